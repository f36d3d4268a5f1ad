"""The tamper-evident vote log: each vote's hash covers its content and the previous
vote's hash, so editing, deleting or inserting a vote row with plain SQL breaks the
chain at that row.

The link is assigned inside the vote's write transaction, which moves the chain-head
row on by one (an ``UPDATE ... RETURNING``: the row stays locked until the vote commits
on PostgreSQL; SQLite has one writer at a time), so concurrent votes still form one
chain; the hash is computed here, on the values in hand. The chain proves the votes were not changed
*after* they were stored, relative to a published head: someone who can rewrite every
row can also recompute every hash, which only a head published earlier (leaderboard,
exports) exposes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from fairclimb.store._arena_tables import ArenaBattle, ArenaVote, ArenaVoteChain

__all__ = ["GENESIS", "HEAD_NEXT", "HEAD_SET", "ChainHead", "ChainReport", "chain_head",
           "chain_rows", "link_columns", "next_link", "verify_chain", "vote_hash"]

GENESIS = "0" * 64  # the "previous hash" of the first vote
_HEAD_ID = 1
_HEAD = cast(Table, ArenaVoteChain.__table__)
_VOTES = cast(Table, ArenaVote.__table__)
_BATTLES = cast(Table, ArenaBattle.__table__)
# What a vote's hash covers: every stored field of the vote and the models it judged.
CONTENT = ("battle_id", "rater_id", "model_a", "model_b", "winner", "labels_a", "labels_b",
           "comment", "correction", "seconds", "flag", "created_at", "briefing_version",
           "pay_per_hour", "currency")


@dataclass(frozen=True, slots=True)
class ChainHead:
    """How many votes the chain holds and the last one's hash: what boards publish."""

    votes: int
    head: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """A recomputed chain: ``broken`` names the first broken link (None: intact)."""

    votes: int
    head: ChainHead
    recomputed_head: str
    broken: str | None
    battle_id: int | None  # the vote at the first broken link, where there is one

    @property
    def intact(self) -> bool:
        return self.broken is None

    def to_json(self) -> dict[str, Any]:
        return {"votes": self.votes, "stored_head": {"votes": self.head.votes,
                                                     "hash": self.head.head},
                "recomputed_head": self.recomputed_head, "intact": self.intact,
                "first_broken_link": self.broken, "battle_id": self.battle_id}


def vote_hash(content: Mapping[str, Any], seq: int, previous: str) -> str:
    """sha256 of the canonical JSON of the vote's content, its place and the previous
    hash (sorted keys, no spaces, timestamps as UTC ISO 8601)."""
    body = {key: _canonical(content[key]) for key in CONTENT}
    body["seq"] = seq
    body["previous"] = previous
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, list | tuple):
        return list(value)
    return value


# The head moved one place on: the row stays locked until the vote's transaction ends
# (concurrent votes take consecutive places), and RETURNING gives the new place with the
# previous vote's hash, which the row still holds until HEAD_SET replaces it. One
# statement where SELECT ... FOR UPDATE and an UPDATE were two.
HEAD_NEXT = (update(_HEAD).where(_HEAD.c.id == _HEAD_ID).values(seq=_HEAD.c.seq + 1)
             .returning(_HEAD.c.seq, _HEAD.c.head_hash))
HEAD_SET = update(_HEAD).where(_HEAD.c.id == _HEAD_ID).values(head_hash=bindparam("vote_hash"))


def next_link(connection: Connection) -> tuple[int, str]:
    """Move the locked head one place on; (this vote's place, the previous hash)."""
    row = connection.execute(HEAD_NEXT).first()
    if row is None:  # a store made before the head row existed: start the chain
        connection.execute(insert(_HEAD).values(id=_HEAD_ID, seq=0, head_hash=GENESIS))
        row = connection.execute(HEAD_NEXT).one()
    return int(row[0]), str(row[1])


def link_columns(content: Mapping[str, Any], seq: int, previous: str) -> dict[str, Any]:
    """The vote's chain columns at place *seq* after *previous*; the head must be set
    to its ``vote_hash`` (HEAD_SET) in the same transaction."""
    return {"chain_seq": seq, "prev_hash": previous,
            "vote_hash": vote_hash(content, seq, previous)}


def chain_head(connection: Connection) -> ChainHead:
    row = connection.execute(select(_HEAD.c.seq, _HEAD.c.head_hash)
                             .where(_HEAD.c.id == _HEAD_ID)).first()
    return ChainHead(0, GENESIS) if row is None else ChainHead(int(row[0]), str(row[1]))


def chain_rows(connection: Connection) -> list[dict[str, Any]]:
    """Every vote with its chain columns and battle models, in chain order (unlinked
    rows, which only plain SQL makes, last)."""
    query = (select(*[_VOTES.c[k] for k in CONTENT if k not in ("model_a", "model_b")],
                    _BATTLES.c.model_a, _BATTLES.c.model_b, _VOTES.c.chain_seq,
                    _VOTES.c.prev_hash, _VOTES.c.vote_hash)
             .outerjoin(_BATTLES, _BATTLES.c.id == _VOTES.c.battle_id)
             .order_by(_VOTES.c.chain_seq.is_(None), _VOTES.c.chain_seq,
                       _VOTES.c.created_at, _VOTES.c.battle_id))
    return [dict(row._mapping) for row in connection.execute(query)]


def verify_chain(rows: Sequence[Mapping[str, Any]], head: ChainHead) -> ChainReport:
    """Walk the votes in chain order; the first row whose place, previous hash or own
    hash does not match the recomputation is the broken link."""
    previous, count = GENESIS, 0
    for count, row in enumerate(rows, start=1):
        problem = _link_problem(row, count, previous)
        if problem is not None:
            return ChainReport(len(rows), head, previous,
                               f"link {count} (battle {row['battle_id']}): {problem}",
                               int(row["battle_id"]))
        previous = str(row["vote_hash"])
    if (head.votes, head.head) != (count, previous):
        broken = (f"the chain head says {head.votes} votes ending in {head.head[:12]}, "
                  f"the votes recompute to {count} ending in {previous[:12]}: "
                  "votes after the last stored one were deleted, or the head was edited")
        return ChainReport(count, head, previous, broken, None)
    return ChainReport(count, head, previous, None, None)


def _link_problem(row: Mapping[str, Any], seq: int, previous: str) -> str | None:
    if row["chain_seq"] is None or row["vote_hash"] is None:
        return "the row has no link (inserted outside the arena)"
    if int(row["chain_seq"]) != seq:
        return (f"expected place {seq}, found {row['chain_seq']} (a vote before it was "
                "deleted, or this one was inserted out of order)")
    if row["prev_hash"] != previous:
        return "its previous hash is not the previous vote's hash"
    if vote_hash(row, seq, previous) != row["vote_hash"]:
        return "its content no longer matches its hash (the row was edited)"
    return None
