"""Storing a vote: claiming its battle, counting it against the rater's rate limit and
linking it into the tamper-evident chain, in one transaction with as few round trips to
PostgreSQL as the rules allow (the hot path of ``arena serve``). Plain records only: the
timing rule and every sentence a person reads are the arena's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    exists,
    func,
    insert,
    select,
    true,
    update,
)

from fairclimb.store._arena_limits import TAKE, RateWindow, sweep_expired
from fairclimb.store._arena_records import NewVote, VoteTiming
from fairclimb.store._arena_tables import ArenaBattle, ArenaBriefing, ArenaVote
from fairclimb.store._vote_chain import HEAD_NEXT, HEAD_SET, link_columns, next_link

__all__ = ["Refusal", "VoteRefused", "VoteStored", "store_vote", "utc"]

# Statements built once, on the tables' columns, run on a Core connection: no ORM work.
_BATTLES = cast(Table, ArenaBattle.__table__)
_VOTES = cast(Table, ArenaVote.__table__)
_BRIEFINGS = cast(Table, ArenaBriefing.__table__)
# A new vote's quality verdicts stay NULL ("not checked yet"): quality control's pass
# (_arena_quality.py) fills them, so the vote itself writes every other column.
_VERDICT_COLUMNS = frozenset({"informed", "overlaps"})
_VOTE_INSERTED = [c for c in _VOTES.columns if c.name not in _VERDICT_COLUMNS]
_VOTE_COLUMNS = [c.name for c in _VOTE_INSERTED]


def _terms(column: str) -> Any:
    # The terms of the rater's briefing version: pay is owed at these.
    return (select(_BRIEFINGS.c[column])
            .where(_BRIEFINGS.c.version == bindparam("briefing_version"))
            .scalar_subquery())


# Close the battle if it is the rater's and open; returns what the vote needs of it.
_CLAIM = (
    update(_BATTLES)
    .where(_BATTLES.c.id == bindparam("battle"), _BATTLES.c.rater_id == bindparam("rater"),
           _BATTLES.c.voted.is_(False))
    .values(voted=True)
    .returning(_BATTLES.c.served_at, _BATTLES.c.model_a, _BATTLES.c.model_b,
               _terms("pay_per_hour"), _terms("currency")))
_INSERT_VOTE = insert(_VOTES)
# PostgreSQL, first statement: the claim, the chain head moved on (locked until commit)
# and the rate key's lock, in one round trip. The head and the lock are taken only if
# the claim succeeded.
_CLAIM_CTE = _CLAIM.cte("claim")
_HEAD_CTE = HEAD_NEXT.where(exists(select(1).select_from(_CLAIM_CTE))).cte("head")
_PG_CLAIM = select(*_CLAIM_CTE.c, _HEAD_CTE.c.seq, _HEAD_CTE.c.head_hash).select_from(
    _CLAIM_CTE.outerjoin(_HEAD_CTE, true()))
_PG_CLAIM_LOCKING = _PG_CLAIM.add_columns(func.pg_advisory_xact_lock(bindparam("lock")))
# Second statement (a new snapshot: it sees every event committed before the lock was
# granted): count the rate event, set the head and insert the vote, only if the event
# was within the limit; RETURNING nothing means rate-limited.
_TAKE_CTE = TAKE.cte("take")
_TAKEN = exists(select(1).select_from(_TAKE_CTE))
_VOTE_VALUES = select(*(bindparam(c.name, type_=c.type) for c in _VOTE_INSERTED))
_PG_INSERT = (
    insert(_VOTES).from_select(_VOTE_COLUMNS, _VOTE_VALUES.where(_TAKEN))
    .add_cte(_TAKE_CTE)
    .add_cte(HEAD_SET.where(_TAKEN).cte("head_set"))
    .returning(_VOTES.c.battle_id))
_PG_INSERT_UNLIMITED = (insert(_VOTES).from_select(_VOTE_COLUMNS, _VOTE_VALUES)
                        .add_cte(HEAD_SET.cte("head_set")))


class Refusal(StrEnum):
    UNKNOWN = "unknown"  # no such battle
    NOT_YOURS = "not_yours"
    VOTED = "voted"  # already closed
    RATE_LIMITED = "rate_limited"  # the rater's vote limit is reached


class VoteRefused(Exception):
    """A vote was not stored; ``reason`` says why (the arena words it for people)."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class VoteStored:
    model_a: str
    model_b: str
    seconds: float
    flag: str | None


def utc(value: datetime) -> datetime:
    # Core statements on the table's columns still go through UTCDateTime; this only
    # guards drivers that hand back a naive value.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def store_vote(connection: Connection, vote: NewVote, now: datetime, timing: VoteTiming,
       window: RateWindow | None) -> VoteStored:
    """Close the battle, count the vote against the rater's rate limit (*window*)
    and store it with its link in the vote chain, all in one transaction; returns
    the models, and the seconds and fast-vote flag that *timing* (the arena's rule)
    gave for when the battle was served. Raises :class:`VoteRefused` if the battle
    is unknown, someone else's or already voted, or the limit is reached (then
    nothing is stored or counted). Without a window nothing is counted (bulk
    loads, tests).

    On PostgreSQL that is BEGIN, two statements and COMMIT: the hash needs the
    previous vote's, read under the head's lock, and the timing rule needs when the
    battle was served, so the vote cannot be one statement.
    """
    postgres = connection.dialect.name == "postgresql"
    params = {"battle": vote.battle_id, "rater": vote.rater_id,
              "briefing_version": vote.briefing_version}
    if not postgres:
        claimed = connection.execute(_CLAIM, params).first()
    elif window is None:
        claimed = connection.execute(_PG_CLAIM, params).first()
    else:
        claimed = connection.execute(_PG_CLAIM_LOCKING,
                                     params | {"lock": window.lock}).first()
    if claimed is None:
        raise VoteRefused(_refusal(connection, vote))
    served_at, model_a, model_b, pay, currency = claimed[:5]
    seq, previous = (claimed[5:7] if postgres and claimed[5] is not None
                     else next_link(connection))
    seconds, flag = timing(utc(served_at))
    row = {
        "briefing_version": vote.briefing_version, "pay_per_hour": pay,
        "currency": currency, "battle_id": vote.battle_id, "rater_id": vote.rater_id,
        "winner": vote.winner, "labels_a": vote.labels_a, "labels_b": vote.labels_b,
        "comment": vote.comment, "correction": vote.correction, "seconds": seconds,
        "flag": flag, "created_at": now}
    row |= link_columns(row | {"model_a": model_a, "model_b": model_b},
                        int(seq), str(previous))
    if not _insert(connection, row, window, postgres):
        raise VoteRefused(Refusal.RATE_LIMITED)  # the claim is rolled back
    if window is not None and window.sweep:
        sweep_expired(connection, window.at)
    return VoteStored(model_a, model_b, seconds, flag)


def _insert(connection: Connection, row: dict[str, Any], window: RateWindow | None,
            postgres: bool) -> bool:
    """Count the rate event (if there is a *window*) and, if it was within the limit,
    store the vote and set the chain head to its hash; False (nothing done) if
    rate-limited."""
    if postgres:
        if window is None:
            connection.execute(_PG_INSERT_UNLIMITED, row)
            return True
        return connection.execute(_PG_INSERT, row | window.params()).first() is not None
    if window is not None and connection.execute(TAKE, window.params()).first() is None:
        return False
    connection.execute(HEAD_SET, {"vote_hash": row["vote_hash"]})
    connection.execute(_INSERT_VOTE, row)
    return True


def _refusal(connection: Connection, vote: NewVote) -> Refusal:
    owner = connection.scalar(select(_BATTLES.c.rater_id)
                              .where(_BATTLES.c.id == vote.battle_id))
    if owner is None:
        return Refusal.UNKNOWN
    return Refusal.NOT_YOURS if owner != vote.rater_id else Refusal.VOTED
