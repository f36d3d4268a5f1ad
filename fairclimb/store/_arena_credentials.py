"""The arena's credential lifecycle in the store: listing and revoking invites and API
tokens, disabling accounts, and counting failed sign-ins (in the database, so that a
lockout holds across server processes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update

from fairclimb.store._arena_records import CredentialRow
from fairclimb.store._arena_tables import (
    ArenaAccount,
    ArenaApiToken,
    ArenaInvite,
    ArenaSession,
    ArenaSigninFailure,
)
from fairclimb.store._store import Store

__all__ = ["CredentialStore", "REF_LENGTH"]

REF_LENGTH = 12  # characters of a token's hash that name it in listings


class CredentialStore:
    store: Store

    # -- invites and API tokens --------------------------------------------------------

    def credentials(self) -> list[CredentialRow]:
        invites = select(ArenaInvite).order_by(ArenaInvite.created_at)
        tokens = select(ArenaApiToken).order_by(ArenaApiToken.created_at)
        with self.store.transaction("listing invites and API tokens") as session:
            rows = [CredentialRow("invite", i.token_hash[:REF_LENGTH], i.role, i.created_at,
                                  i.expires_at, i.used_at) for i in session.scalars(invites)]
            rows += [CredentialRow("api token", t.token_hash[:REF_LENGTH], t.name,
                                   t.created_at) for t in session.scalars(tokens)]
        return rows

    def revoke(self, ref: str) -> int:
        """Delete the unused invites and the API tokens whose hash starts with ``ref``;
        returns how many. Used invites stay (they record who joined when)."""
        pattern = ref + "%"
        with self.store.transaction("revoking a credential", write=True) as session:
            invites = session.execute(delete(ArenaInvite).where(
                ArenaInvite.token_hash.like(pattern), ArenaInvite.used_at.is_(None)))
            tokens = session.execute(delete(ArenaApiToken).where(
                ArenaApiToken.token_hash.like(pattern)))
            return int(invites.rowcount or 0) + int(tokens.rowcount or 0)  # type: ignore[attr-defined]

    # -- accounts ----------------------------------------------------------------------

    def set_disabled(self, account_id: int, when: datetime | None) -> None:
        """Disable (``when``) or enable (None) an account; disabling ends its sessions."""
        with self.store.transaction("disabling an account", write=True) as session:
            session.execute(update(ArenaAccount).where(ArenaAccount.id == account_id)
                            .values(disabled_at=when))
            if when is not None:
                session.execute(delete(ArenaSession).where(
                    ArenaSession.account_id == account_id))

    def account_states(self) -> list[tuple[str, str, bool]]:
        """Every account as (username, role, disabled), by username."""
        query = select(ArenaAccount.username, ArenaAccount.role, ArenaAccount.disabled_at
                       ).order_by(ArenaAccount.username)
        with self.store.transaction("listing accounts") as session:
            return [(str(u), str(r), d is not None) for u, r, d in session.execute(query)]

    def end_sessions(self, account_id: int) -> None:
        with self.store.transaction("ending sessions", write=True) as session:
            session.execute(delete(ArenaSession).where(ArenaSession.account_id == account_id))

    # -- failed sign-ins ---------------------------------------------------------------

    def signin_failures(self, keys: Sequence[str], since: datetime) -> dict[str, int]:
        query = (select(ArenaSigninFailure.key, func.count())
                 .where(ArenaSigninFailure.key.in_(keys),
                        ArenaSigninFailure.created_at > since)
                 .group_by(ArenaSigninFailure.key))
        with self.store.transaction("counting failed sign-ins") as session:
            return {str(key): int(n) for key, n in session.execute(query)}

    def add_signin_failure(self, keys: Sequence[str], now: datetime,
                           forget_before: datetime) -> None:
        """Record a failure under each key; failures older than the window go."""
        with self.store.transaction("recording a failed sign-in", write=True) as session:
            session.execute(delete(ArenaSigninFailure).where(
                ArenaSigninFailure.created_at <= forget_before))
            session.execute(insert(ArenaSigninFailure),
                            [{"key": key, "created_at": now} for key in keys])

    def clear_signin_failures(self, key: str) -> None:
        with self.store.transaction("clearing failed sign-ins", write=True) as session:
            session.execute(delete(ArenaSigninFailure).where(ArenaSigninFailure.key == key))
