"""The arena's data access: accounts, sessions, prompts, samples, battles and votes.

Plain records in and out; what a vote means, who may cast it, when it was too fast and
every sentence a person reads are decided by the ``arena`` part. Statements are
SQLAlchemy Core, not the ORM: the vote path runs hundreds of times a second.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from fairclimb.store._arena_credentials import CredentialStore
from fairclimb.store._arena_rank_tables import ArenaRanking
from fairclimb.store._arena_records import (
    AccountRecord,
    BattleView,
    BriefingRecord,
    NewBattle,
    NewVote,
    PromptRecord,
    RaterActivity,
    SampleIn,
    SessionRecord,
    VoteRow,
    VoteTiming,
)
from fairclimb.store._arena_tables import (
    ArenaAccount,
    ArenaApiToken,
    ArenaBattle,
    ArenaBriefing,
    ArenaConfig,
    ArenaInvite,
    ArenaPrompt,
    ArenaSample,
    ArenaSession,
    ArenaVote,
)
from fairclimb.store._models import Generation
from fairclimb.store._store import Store
from fairclimb.store._vote_chain import (
    ChainHead,
    ChainReport,
    chain_head,
    chain_rows,
    link_vote,
    verify_chain,
)

__all__ = ["ArenaStore", "Refusal", "UsernameTaken", "VoteRefused", "VoteStored"]

_ACCOUNT_COLUMNS = (ArenaAccount.id, ArenaAccount.username, ArenaAccount.pseudonym,
                    ArenaAccount.role, ArenaAccount.password_hash,
                    ArenaAccount.briefing_version, ArenaAccount.briefing_accepted_at,
                    ArenaAccount.created_at, ArenaAccount.disabled_at)


# The hot path (every request checks a session, every vote claims a battle) uses
# statements built once, on the tables' columns, run on the connection: no ORM work.
_ACCOUNTS = cast(Table, ArenaAccount.__table__)
_SESSIONS = cast(Table, ArenaSession.__table__)
_BATTLES = cast(Table, ArenaBattle.__table__)
_VOTES = cast(Table, ArenaVote.__table__)
_BRIEFINGS = cast(Table, ArenaBriefing.__table__)
_SESSION_QUERY = (
    select(*(_ACCOUNTS.c[c.key] for c in _ACCOUNT_COLUMNS), _SESSIONS.c.csrf_token,
           _SESSIONS.c.expires_at,
           select(func.max(ArenaBriefing.__table__.c.version)).scalar_subquery()
           .label("current_briefing"))
    .join_from(_SESSIONS, _ACCOUNTS, _ACCOUNTS.c.id == _SESSIONS.c.account_id)
    .where(_SESSIONS.c.token_hash == bindparam("token_hash"),
           _ACCOUNTS.c.disabled_at.is_(None)))
_CLAIM_BATTLE = (
    update(_BATTLES)
    .where(_BATTLES.c.id == bindparam("battle"), _BATTLES.c.rater_id == bindparam("rater"),
           _BATTLES.c.voted.is_(False))
    .values(voted=True)
    .returning(_BATTLES.c.served_at, _BATTLES.c.model_a, _BATTLES.c.model_b))
_INSERT_VOTE = insert(_VOTES)


class Refusal(StrEnum):
    UNKNOWN = "unknown"  # no such battle
    NOT_YOURS = "not_yours"
    VOTED = "voted"  # already closed


class VoteRefused(Exception):
    """A vote was not stored; ``reason`` says why (the arena words it for people)."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


class UsernameTaken(Exception):
    """An account with this username exists (the arena words it for people)."""

    def __init__(self, username: str) -> None:
        super().__init__(username)
        self.username = username


@dataclass(frozen=True, slots=True)
class VoteStored:
    model_a: str
    model_b: str
    seconds: float
    flag: str | None


def _utc(value: datetime) -> datetime:
    # Core statements on the table's columns still go through UTCDateTime; this only
    # guards drivers that hand back a naive value.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_IMPORT_BATCH = 500  # answers per transaction: a big import never holds the lock long


class ArenaStore(CredentialStore):
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
        with self.store.transaction("reading a session") as session:
            row = session.connection().execute(
                _SESSION_QUERY, {"token_hash": token_hash}).first()
        if row is None:
            return None
        return SessionRecord(_account(row), row.csrf_token, _utc(row.expires_at),
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
            return [_prompt(row) for row in session.scalars(query)]

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

    # -- battles and votes -------------------------------------------------------------

    def open_battle(self, rater_id: int) -> int | None:
        """The rater's oldest battle still waiting for a vote."""
        query = (select(ArenaBattle.id)
                 .where(ArenaBattle.rater_id == rater_id, ArenaBattle.voted.is_(False))
                 .order_by(ArenaBattle.id).limit(1))
        with self.store.transaction("finding an open battle") as session:
            return session.scalar(query)

    def skip_battle(self, battle_id: int, rater_id: int) -> bool:
        """Close the rater's open battle without a vote ("can't judge"); False if it is
        not theirs or not open. Its answers stay seen: never shown to them again."""
        query = (update(ArenaBattle).where(ArenaBattle.id == battle_id,
                                           ArenaBattle.rater_id == rater_id,
                                           ArenaBattle.voted.is_(False))
                 .values(voted=True))
        with self.store.transaction("skipping a battle", write=True) as session:
            return bool(session.execute(query).rowcount)  # type: ignore[attr-defined]

    def task_number(self, battle_id: int, rater_id: int) -> int:
        """The battle's place among its rater's tasks (1 for their first)."""
        query = select(func.count()).select_from(ArenaBattle).where(
            ArenaBattle.rater_id == rater_id, ArenaBattle.id <= battle_id)
        with self.store.transaction("numbering a task") as session:
            return int(session.scalar(query) or 0)

    def add_battle(self, battle: NewBattle) -> int:
        """Open the battle, or return the rater's open one: the database holds at most
        one open battle per rater (a partial unique index), so concurrent requests from
        one rater, on any number of workers, all get the same task."""
        values = {name: getattr(battle, name) for name in NewBattle.__dataclass_fields__}
        with self.store.transaction("starting a battle", write=True) as session:
            dialect = session.get_bind().dialect.name
            maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
            result = session.execute(
                maker(ArenaBattle).values(voted=False, **values).on_conflict_do_nothing()
                .returning(ArenaBattle.id)).scalar()
            if result is None:
                result = session.execute(select(ArenaBattle.id).where(
                    ArenaBattle.rater_id == battle.rater_id, ArenaBattle.voted.is_(False))
                ).scalar_one()
            return int(result)

    def seen_samples(self, rater_id: int) -> set[int]:
        """Every answer the rater has been shown: never shown again (its model may have
        been revealed to them)."""
        query = select(ArenaBattle.sample_a, ArenaBattle.sample_b).where(
            ArenaBattle.rater_id == rater_id)
        with self.store.transaction("reading what a rater has seen") as session:
            return {int(s) for row in session.execute(query) for s in row}

    def battle_pairs(self) -> dict[int, NewBattle]:
        """Every battle as it was started (rater, prompt, both answers and models), by
        id: what a repeat for another rater copies."""
        query = select(ArenaBattle).order_by(ArenaBattle.id)
        with self.store.transaction("reading battles") as session:
            return {row.id: NewBattle(
                rater_id=row.rater_id, prompt_id=row.prompt_id, sample_a=row.sample_a,
                sample_b=row.sample_b, model_a=row.model_a, model_b=row.model_b,
                probability=row.probability, gold_winner=row.gold_winner,
                served_at=row.served_at) for row in session.scalars(query)}

    def add_battles(self, battles: Sequence[NewBattle]) -> None:
        """Many battles in one transaction (benchmarks and bulk set-up)."""
        rows = [{name: getattr(b, name) for name in NewBattle.__dataclass_fields__}
                | {"voted": False} for b in battles]
        with self.store.transaction("starting battles", write=True) as session:
            session.execute(insert(ArenaBattle), rows)

    def battle(self, battle_id: int) -> BattleView | None:
        a, b = aliased(ArenaSample), aliased(ArenaSample)
        query = (select(ArenaBattle, ArenaPrompt, a.answer, b.answer, ArenaVote.winner)
                 .join(ArenaPrompt, ArenaPrompt.id == ArenaBattle.prompt_id)
                 .join(a, a.id == ArenaBattle.sample_a).join(b, b.id == ArenaBattle.sample_b)
                 .outerjoin(ArenaVote, ArenaVote.battle_id == ArenaBattle.id)
                 .where(ArenaBattle.id == battle_id))
        with self.store.transaction("reading a battle") as session:
            row = session.execute(query).first()
            if row is None:
                return None
            battle, prompt, answer_a, answer_b, winner = row
            return BattleView(battle.id, battle.rater_id, _prompt(prompt), answer_a, answer_b,
                              battle.model_a, battle.model_b, battle.probability,
                              battle.gold_winner, battle.served_at, winner)

    def add_vote(self, vote: NewVote, now: datetime, timing: VoteTiming) -> VoteStored:
        """Close the battle and store its vote in one transaction; returns the models,
        and the seconds and fast-vote flag that *timing* (the arena's rule) gave for when
        the battle was served. Raises :class:`VoteRefused` if the battle is unknown,
        someone else's or already voted.
        """
        with self.store.transaction("storing a vote", write=True) as session:
            connection = session.connection()
            claimed = connection.execute(
                _CLAIM_BATTLE, {"battle": vote.battle_id, "rater": vote.rater_id}).first()
            if claimed is None:
                raise VoteRefused(_refusal(session, vote))
            served_at, model_a, model_b = claimed
            seconds, flag = timing(_utc(served_at))
            terms = connection.execute(
                select(_BRIEFINGS.c.pay_per_hour, _BRIEFINGS.c.currency)
                .where(_BRIEFINGS.c.version == vote.briefing_version)).first()
            row = {
                "briefing_version": vote.briefing_version,
                "pay_per_hour": terms[0] if terms else None,
                "currency": terms[1] if terms else None,
                "battle_id": vote.battle_id, "rater_id": vote.rater_id, "winner": vote.winner,
                "labels_a": vote.labels_a, "labels_b": vote.labels_b, "comment": vote.comment,
                "correction": vote.correction, "seconds": seconds, "flag": flag,
                "created_at": now}
            # Linked last, just before the insert: the chain-head lock is held briefly.
            row |= link_vote(connection, row | {"model_a": model_a, "model_b": model_b})
            connection.execute(_INSERT_VOTE, row)
        return VoteStored(model_a, model_b, seconds, flag)

    def votes(self) -> list[VoteRow]:
        query = (select(ArenaVote, ArenaBattle.model_a, ArenaBattle.model_b,
                        ArenaBattle.probability, ArenaBattle.gold_winner,
                        ArenaAccount.pseudonym, ArenaPrompt.language, ArenaPrompt.kind,
                        ArenaBattle.sample_a, ArenaBattle.sample_b)
                 .join(ArenaBattle, ArenaBattle.id == ArenaVote.battle_id)
                 .join(ArenaAccount, ArenaAccount.id == ArenaVote.rater_id)
                 .join(ArenaPrompt, ArenaPrompt.id == ArenaBattle.prompt_id)
                 .order_by(ArenaVote.created_at, ArenaVote.battle_id))
        with self.store.transaction("reading votes") as session:
            return [VoteRow(
                battle_id=v.battle_id, rater_id=v.rater_id, judge=pseudonym, model_a=model_a,
                model_b=model_b, winner=v.winner, probability=probability,
                gold_winner=gold, seconds=v.seconds, flag=v.flag, language=language,
                kind=kind, labels_a=list(v.labels_a), labels_b=list(v.labels_b),
                comment=v.comment, correction=v.correction, created_at=v.created_at,
                sample_a=sample_a, sample_b=sample_b, pay_per_hour=v.pay_per_hour,
                currency=v.currency)
                for v, model_a, model_b, probability, gold, pseudonym, language, kind,
                sample_a, sample_b in session.execute(query)]

    def vote_texts(self) -> dict[int, tuple[str, str, str, int | None]]:
        """Per voted battle: (prompt, answer A, answer B, the rater's briefing version),
        what turning votes into training records needs beyond :meth:`votes`."""
        a, b = aliased(ArenaSample), aliased(ArenaSample)
        query = (select(ArenaVote.battle_id, ArenaPrompt.text, a.answer, b.answer,
                        ArenaAccount.briefing_version)
                 .join(ArenaBattle, ArenaBattle.id == ArenaVote.battle_id)
                 .join(ArenaPrompt, ArenaPrompt.id == ArenaBattle.prompt_id)
                 .join(a, a.id == ArenaBattle.sample_a).join(b, b.id == ArenaBattle.sample_b)
                 .join(ArenaAccount, ArenaAccount.id == ArenaVote.rater_id))
        with self.store.transaction("reading voted answers") as session:
            return {int(r[0]): (r[1], r[2], r[3], r[4]) for r in session.execute(query)}

    def pair_outcomes(self) -> list[tuple[str, str, str, int]]:
        """(model_a, model_b, winner, votes): what pair sampling weighs uncertainty by."""
        query = (select(ArenaBattle.model_a, ArenaBattle.model_b, ArenaVote.winner,
                        func.count())
                 .join(ArenaBattle, ArenaBattle.id == ArenaVote.battle_id)
                 .group_by(ArenaBattle.model_a, ArenaBattle.model_b, ArenaVote.winner))
        with self.store.transaction("counting outcomes") as session:
            return [(r[0], r[1], r[2], int(r[3])) for r in session.execute(query)]

    def generations(self) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
        """The generation cache as (cache key, model, request, completion), oldest
        first."""
        query = select(Generation.cache_key, Generation.model_name, Generation.request,
                       Generation.completion
                       ).order_by(Generation.created_at, Generation.cache_key)
        with self.store.transaction("reading generations") as session:
            return [(r[0], r[1], r[2], r[3]) for r in session.execute(query)]

    def vote_chain_head(self) -> ChainHead:
        """How many votes the tamper-evident log holds and its last hash."""
        with self.store.transaction("reading the vote chain head") as session:
            return chain_head(session.connection())

    def verify_vote_chain(self) -> ChainReport:
        """Recompute the vote chain from the stored rows (see ``_vote_chain``)."""
        with self.store.transaction("recomputing the vote chain") as session:
            connection = session.connection()
            return verify_chain(chain_rows(connection), chain_head(connection))

    def battle_draws(self) -> list[tuple[int, str, str, float, datetime, bool]]:
        """Every battle served: (id, model A, model B, the probability its pair was
        drawn with, when, voted), in serving order."""
        query = select(ArenaBattle.id, ArenaBattle.model_a, ArenaBattle.model_b,
                       ArenaBattle.probability, ArenaBattle.served_at, ArenaBattle.voted
                       ).order_by(ArenaBattle.served_at, ArenaBattle.id)
        with self.store.transaction("reading battles") as session:
            return [(int(r[0]), r[1], r[2], float(r[3]), r[4], bool(r[5]))
                    for r in session.execute(query)]

    def board_version(self) -> tuple[Any, ...]:
        """A cheap fingerprint of what the leaderboard is computed from: the vote chain's
        head, the number of votes, of submitted rankings and the last submission, and the
        settings (overrules, hidden models). Equal fingerprints, equal inputs."""
        rankings = select(func.count(), func.max(ArenaRanking.ranked_at)).where(
            ArenaRanking.ranked_at.is_not(None))
        with self.store.transaction("reading the leaderboard's version") as session:
            connection = session.connection()
            head = chain_head(connection)
            votes = int(session.scalar(select(func.count()).select_from(ArenaVote)) or 0)
            ranked = tuple(session.execute(rankings).one())
            settings = tuple(sorted((k, repr(v)) for k, v in session.execute(
                select(ArenaConfig.key, ArenaConfig.value))))
        return (head.votes, head.head, votes, ranked, settings)

    def count_votes(self) -> int:
        with self.store.transaction("counting votes") as session:
            return int(session.scalar(select(func.count()).select_from(ArenaVote)) or 0)

    def battles_per_model(self) -> dict[str, int]:
        """How many battles each model has been served in (either side)."""
        counts: dict[str, int] = {}
        with self.store.transaction("counting battles") as session:
            for column in (ArenaBattle.model_a, ArenaBattle.model_b):
                for model, n in session.execute(select(column, func.count()).group_by(column)):
                    counts[model] = counts.get(model, 0) + int(n)
        return counts

    def rater_activity(self) -> list[RaterActivity]:
        votes = (select(ArenaVote.rater_id, func.count().label("n"),
                        func.coalesce(func.sum(ArenaVote.seconds), 0.0).label("s"))
                 .group_by(ArenaVote.rater_id).subquery())
        query = (select(ArenaAccount.id, ArenaAccount.username, ArenaAccount.pseudonym,
                        ArenaAccount.role, ArenaAccount.briefing_version,
                        func.coalesce(votes.c.n, 0), func.coalesce(votes.c.s, 0.0))
                 .outerjoin(votes, votes.c.rater_id == ArenaAccount.id)
                 .order_by(ArenaAccount.username))
        with self.store.transaction("reading rater activity") as session:
            return [RaterActivity(r[0], r[1], r[2], r[3], r[4], int(r[5]), float(r[6]))
                    for r in session.execute(query)]


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


def _refusal(session: Session, vote: NewVote) -> Refusal:
    owner = session.scalar(select(ArenaBattle.rater_id).where(ArenaBattle.id == vote.battle_id))
    if owner is None:
        return Refusal.UNKNOWN
    return Refusal.NOT_YOURS if owner != vote.rater_id else Refusal.VOTED


def _account(row: Any) -> AccountRecord:
    return AccountRecord(row.id, row.username, row.pseudonym, row.role, row.password_hash,
                         row.briefing_version, row.briefing_accepted_at, row.created_at,
                         row.disabled_at)


def _prompt(row: ArenaPrompt) -> PromptRecord:
    return PromptRecord(row.id, row.text, row.suite, row.task_id, row.language, row.kind)
