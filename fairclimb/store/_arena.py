"""The arena's data access: accounts, sessions, prompts, samples, battles and votes.

Plain records in and out; what a vote means, who may cast it, when it was too fast and
every sentence a person reads are decided by the ``arena`` part. Statements are
SQLAlchemy Core, not the ORM: the vote path runs hundreds of times a second.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from fairclimb.store._arena_credentials import CredentialStore
from fairclimb.store._arena_records import (
    AccountRecord,
    BriefingRecord,
    PromptRecord,
    SampleIn,
    SessionRecord,
)
from fairclimb.store._arena_tables import (
    ArenaAccount,
    ArenaApiToken,
    ArenaBriefing,
    ArenaConfig,
    ArenaInvite,
    ArenaPrompt,
    ArenaSample,
    ArenaSession,
)
from fairclimb.store._arena_votes import (
    Refusal,
    VoteRefused,
    VoteStore,
    VoteStored,
    prompt_record,
    utc,
)
from fairclimb.store._store import Store

__all__ = ["ArenaStore", "Refusal", "UsernameTaken", "VoteRefused", "VoteStored"]

_ACCOUNT_COLUMNS = (ArenaAccount.id, ArenaAccount.username, ArenaAccount.pseudonym,
                    ArenaAccount.role, ArenaAccount.password_hash,
                    ArenaAccount.briefing_version, ArenaAccount.briefing_accepted_at,
                    ArenaAccount.created_at, ArenaAccount.disabled_at)


# The hot path (every request checks a session) uses statements built once, on the
# tables' columns, run on the connection: no ORM work.
_ACCOUNTS = cast(Table, ArenaAccount.__table__)
_SESSIONS = cast(Table, ArenaSession.__table__)
_SESSION_QUERY = (
    select(*(_ACCOUNTS.c[c.key] for c in _ACCOUNT_COLUMNS), _SESSIONS.c.csrf_token,
           _SESSIONS.c.expires_at,
           select(func.max(ArenaBriefing.__table__.c.version)).scalar_subquery()
           .label("current_briefing"))
    .join_from(_SESSIONS, _ACCOUNTS, _ACCOUNTS.c.id == _SESSIONS.c.account_id)
    .where(_SESSIONS.c.token_hash == bindparam("token_hash"),
           _ACCOUNTS.c.disabled_at.is_(None)))


class UsernameTaken(Exception):
    """An account with this username exists (the arena words it for people)."""

    def __init__(self, username: str) -> None:
        super().__init__(username)
        self.username = username


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_IMPORT_BATCH = 500  # answers per transaction: a big import never holds the lock long


class ArenaStore(CredentialStore, VoteStore):
    """The arena's tables in a :class:`Store`; every method is one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- accounts ----------------------------------------------------------------------

    def create_account(self, username: str, pseudonym: str, role: str, password_hash: str,
                       now: datetime) -> AccountRecord:
        with self.store.transaction("creating an account", write=True) as session:
            return _create_account(session, username, pseudonym, role, password_hash, now)

    def account(self, *, username: str | None = None,
                account_id: int | None = None) -> AccountRecord | None:
        query = select(*_ACCOUNT_COLUMNS)
        query = (query.where(ArenaAccount.username == username) if username is not None
                 else query.where(ArenaAccount.id == account_id))
        with self.store.transaction("reading an account") as session:
            row = session.execute(query).first()
            return None if row is None else _account(row)

    def usernames(self) -> list[str]:
        with self.store.transaction("listing accounts") as session:
            return [str(name) for name in session.scalars(select(ArenaAccount.username))]

    def count_accounts(self, role: str) -> int:
        query = select(func.count()).select_from(ArenaAccount).where(ArenaAccount.role == role)
        with self.store.transaction("counting accounts") as session:
            return int(session.scalar(query) or 0)

    def set_password(self, account_id: int, password_hash: str) -> None:
        statement = (update(ArenaAccount).where(ArenaAccount.id == account_id)
                     .values(password_hash=password_hash))
        with self.store.transaction("changing a password", write=True) as session:
            session.execute(statement)

    def accept_briefing(self, account_id: int, version: int, now: datetime) -> None:
        statement = (update(ArenaAccount).where(ArenaAccount.id == account_id)
                     .values(briefing_version=version, briefing_accepted_at=now))
        with self.store.transaction("recording consent", write=True) as session:
            session.execute(statement)

    # -- invites, sessions and API tokens ----------------------------------------------

    def add_invite(self, token_hash: str, role: str, expires_at: datetime,
                   now: datetime) -> None:
        with self.store.transaction("creating an invite", write=True) as session:
            session.execute(insert(ArenaInvite).values(
                token_hash=token_hash, role=role, expires_at=expires_at, created_at=now))

    def invite_role(self, token_hash: str, now: datetime) -> str | None:
        """The role an unused, unexpired invite grants, or None."""
        query = select(ArenaInvite.role).where(
            ArenaInvite.token_hash == token_hash, ArenaInvite.used_at.is_(None),
            ArenaInvite.expires_at > now)
        with self.store.transaction("reading an invite") as session:
            return session.scalar(query)

    def redeem_invite(self, token_hash: str, username: str, pseudonym: str,
                      password_hash: str, now: datetime) -> AccountRecord | None:
        """Use the invite and create its account, both or neither; None if the invite is
        unknown, used or expired."""
        claim = (update(ArenaInvite)
                 .where(ArenaInvite.token_hash == token_hash, ArenaInvite.used_at.is_(None),
                        ArenaInvite.expires_at > now)
                 .values(used_at=now).returning(ArenaInvite.role))
        with self.store.transaction("accepting an invite", write=True) as session:
            role = session.execute(claim).scalar()
            if role is None:
                return None
            return _create_account(session, username, pseudonym, role, password_hash, now)

    def add_session(self, token_hash: str, account_id: int, csrf_token: str,
                    expires_at: datetime, now: datetime) -> None:
        with self.store.transaction("starting a session", write=True) as session:
            session.execute(insert(ArenaSession).values(
                token_hash=token_hash, account_id=account_id, csrf_token=csrf_token,
                expires_at=expires_at, created_at=now))

    def session(self, token_hash: str) -> SessionRecord | None:
        """The session with its account, and the version of the briefing in force."""
        # Every request reads it: one statement, without BEGIN and COMMIT round trips.
        with self.store.connection("reading a session", single=True) as connection:
            row = connection.execute(_SESSION_QUERY, {"token_hash": token_hash}).first()
        if row is None:
            return None
        return SessionRecord(_account(row), row.csrf_token, utc(row.expires_at),
                             row.current_briefing)

    def end_session(self, token_hash: str) -> None:
        with self.store.transaction("ending a session", write=True) as session:
            session.execute(delete(ArenaSession).where(ArenaSession.token_hash == token_hash))

    def add_api_token(self, token_hash: str, name: str, now: datetime) -> None:
        with self.store.transaction("creating an API token", write=True) as session:
            session.execute(insert(ArenaApiToken).values(
                token_hash=token_hash, name=name, created_at=now))

    def api_token_name(self, token_hash: str) -> str | None:
        query = select(ArenaApiToken.name).where(ArenaApiToken.token_hash == token_hash)
        with self.store.transaction("checking an API token") as session:
            return session.scalar(query)

    # -- briefing and settings ---------------------------------------------------------

    def add_briefing(self, text: str, recipients: str, pay_per_hour: float, currency: str,
                     now: datetime) -> int:
        with self.store.transaction("publishing a briefing", write=True) as session:
            version = int(session.scalar(select(func.max(ArenaBriefing.version))) or 0) + 1
            session.execute(insert(ArenaBriefing).values(
                version=version, text=text, recipients=recipients, pay_per_hour=pay_per_hour,
                currency=currency, created_at=now))
            return version

    def current_briefing(self) -> BriefingRecord | None:
        query = select(ArenaBriefing).order_by(ArenaBriefing.version.desc()).limit(1)
        with self.store.transaction("reading the briefing") as session:
            row = session.scalars(query).first()
            if row is None:
                return None
            return BriefingRecord(row.version, row.text, row.recipients, row.pay_per_hour,
                                  row.currency, row.created_at)

    def config(self) -> dict[str, Any]:
        with self.store.transaction("reading arena settings") as session:
            return {key: value for key, value in session.execute(
                select(ArenaConfig.key, ArenaConfig.value))}

    def set_config(self, key: str, value: Any) -> None:
        with self.store.transaction("changing arena settings", write=True) as session:
            row = session.get(ArenaConfig, key)
            if row is None:
                session.add(ArenaConfig(key=key, value=value))
            else:
                row.value = value

    # -- prompts and samples -----------------------------------------------------------

    def add_prompt(self, text: str, language: str, kind: str, now: datetime,
                   suite: str | None = None, task_id: str | None = None) -> int:
        with self.store.transaction("adding a prompt", write=True) as session:
            return _prompt_id(session, text, language, kind, suite, task_id, now)

    def add_samples(self, samples: Sequence[SampleIn], now: datetime) -> int:
        """Store answers in batches of a few hundred, each its own short transaction (a
        vote waits for one batch, never for the whole import); an answer already stored
        for the same prompt and model is skipped, so an interrupted import is finished
        by running it again. Returns how many were new."""
        return sum(self._add_batch(samples[start:start + _IMPORT_BATCH], now)
                   for start in range(0, len(samples), _IMPORT_BATCH))

    def _add_batch(self, samples: Sequence[SampleIn], now: datetime) -> int:
        added = 0
        with self.store.transaction("importing samples", write=True) as session:
            prompts: dict[str, int] = {}
            for sample in samples:
                key = text_hash(sample.prompt)
                if key not in prompts:
                    prompts[key] = _prompt_id(session, sample.prompt, sample.language,
                                              sample.kind, sample.suite, sample.task_id, now)
                answer_hash = text_hash(sample.answer)
                known = session.scalar(select(ArenaSample.id).where(
                    ArenaSample.prompt_id == prompts[key], ArenaSample.model == sample.model,
                    ArenaSample.answer_hash == answer_hash))
                if known is not None:
                    continue
                session.execute(insert(ArenaSample).values(
                    prompt_id=prompts[key], model=sample.model, answer=sample.answer,
                    answer_hash=answer_hash, passed=sample.passed, origin=sample.origin,
                    created_at=now))
                added += 1
        return added

    def prompts(self) -> list[PromptRecord]:
        query = select(ArenaPrompt).order_by(ArenaPrompt.id)
        with self.store.transaction("listing prompts") as session:
            return [prompt_record(row) for row in session.scalars(query)]

    def sample_pool(self) -> list[tuple[int, int, str, bool | None]]:
        """Every answer as (sample id, prompt id, model, passed): what battles draw from."""
        query = select(ArenaSample.id, ArenaSample.prompt_id, ArenaSample.model,
                       ArenaSample.passed).order_by(ArenaSample.id)
        with self.store.transaction("reading the sample pool") as session:
            return [(r[0], r[1], r[2], r[3]) for r in session.execute(query)]

    def answer_hashes(self) -> dict[int, str]:
        """Every answer's text hash by sample id: battles never pit equal texts."""
        query = select(ArenaSample.id, ArenaSample.answer_hash)
        with self.store.transaction("reading answer hashes") as session:
            return {int(r[0]): str(r[1]) for r in session.execute(query)}


def _create_account(session: Session, username: str, pseudonym: str, role: str,
                    password_hash: str, now: datetime) -> AccountRecord:
    taken = session.scalar(select(ArenaAccount.id).where(ArenaAccount.username == username))
    if taken is not None:
        raise UsernameTaken(username)
    result = session.execute(insert(ArenaAccount).values(
        username=username, pseudonym=pseudonym, role=role, password_hash=password_hash,
        created_at=now).returning(ArenaAccount.id))
    return AccountRecord(int(result.scalar_one()), username, pseudonym, role, password_hash,
                         None, None, now)


def _prompt_id(session: Session, text: str, language: str, kind: str, suite: str | None,
               task_id: str | None, now: datetime) -> int:
    key = text_hash(text)
    known = session.scalar(select(ArenaPrompt.id).where(ArenaPrompt.prompt_hash == key))
    if known is not None:
        return int(known)
    result = session.execute(insert(ArenaPrompt).values(
        prompt_hash=key, text=text, suite=suite, task_id=task_id, language=language,
        kind=kind, created_at=now).returning(ArenaPrompt.id))
    return int(result.scalar_one())


def _account(row: Any) -> AccountRecord:
    return AccountRecord(row.id, row.username, row.pseudonym, row.role, row.password_hash,
                         row.briefing_version, row.briefing_accepted_at, row.created_at,
                         row.disabled_at)
