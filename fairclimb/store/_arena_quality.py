"""Quality control's verdicts in the store, and the votes that count read as grouped rows.

A vote's own verdicts: gold (its battle's ``gold_winner``) and fast (its ``flag``) are
written with the vote; ``informed`` and ``overlaps`` by quality control's pass (NULL
until then). A rater's flags (``arena_rater_flags``) exclude all their votes; the pass
rewrites only the raters whose flags changed. The store keeps these facts; the rules
that decide them are the arena's.

Ratings then read one row per (model A, model B, winner, draw probability) over the
votes that count, grouped in SQL: a few thousand rows for millions of votes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    delete,
    func,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from fairclimb.store._arena_state_tables import ArenaRaterFlag
from fairclimb.store._arena_tables import ArenaAccount, ArenaBattle, ArenaPrompt, ArenaVote
from fairclimb.store._store import Store

__all__ = ["ArenaQuality", "CountedCell", "ExcludedCount", "StoredFlag",
           "VoteHistory", "VoteTally"]

_VOTES = cast(Table, ArenaVote.__table__)
_BATTLES = cast(Table, ArenaBattle.__table__)
_PROMPTS = cast(Table, ArenaPrompt.__table__)
_ACCOUNTS = cast(Table, ArenaAccount.__table__)
_DECISIVE = ("model_a", "model_b")
_CHUNK = 500  # raters or ids per statement: well under any driver's parameter limit


_FLAGS = cast(Table, ArenaRaterFlag.__table__)

#: (Exclusion value, detail) in the rules' order.
StoredFlag = tuple[str, str]
#: (rater, model) -> [decisive votes the model won, decisive votes it appeared in].
ModelWins = dict[tuple[int, str], list[int]]


@dataclass(frozen=True, slots=True)
class VoteHistory:
    """What the vote-level rules read of one vote, and the verdicts stored now."""

    battle_id: int
    rater_id: int
    created_at: datetime
    seconds: float
    sample_a: int
    sample_b: int
    informed: bool | None
    overlaps: bool | None


@dataclass(frozen=True, slots=True)
class VoteTally:
    """One rater's counts, as the rater-level rules read them."""

    rater_id: int
    judge: str
    votes: int
    fast_votes: int
    gold_votes: int
    gold_correct: int
    decisive: int
    left_votes: int
    overlaps: int


@dataclass(frozen=True, slots=True)
class CountedCell:
    """``count`` counted votes alike: models, winner, the pair's draw probability."""

    model_a: str
    model_b: str
    winner: str
    probability: float
    count: int


@dataclass(frozen=True, slots=True)
class ExcludedCount:
    """One rater's excluded (and not overruled) votes, and how many were gold, fast or
    informed (the rater's own flags, if any, apply to all ``votes``)."""

    rater_id: int
    votes: int
    gold: int
    fast: int
    informed: int


def _sum(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class ArenaQuality:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- the pass: vote-level verdicts -------------------------------------------------

    def unchecked_raters(self) -> list[int]:
        """Raters with a vote quality control has not checked yet."""
        query = select(_VOTES.c.rater_id).where(_VOTES.c.informed.is_(None)).distinct()
        with self.store.transaction("finding votes to check") as session:
            return sorted(int(r) for r in session.scalars(query))

    def histories(self, raters: Sequence[int]) -> Iterator[list[VoteHistory]]:
        """The raters' votes, a chunk of raters at a time, oldest first."""
        for start in range(0, len(raters), _CHUNK):
            query = (select(_VOTES.c.battle_id, _VOTES.c.rater_id, _VOTES.c.created_at,
                            _VOTES.c.seconds, _BATTLES.c.sample_a, _BATTLES.c.sample_b,
                            _VOTES.c.informed, _VOTES.c.overlaps)
                     .join(_BATTLES, _BATTLES.c.id == _VOTES.c.battle_id)
                     .where(_VOTES.c.rater_id.in_(raters[start:start + _CHUNK]))
                     .order_by(_VOTES.c.created_at, _VOTES.c.battle_id))
            with self.store.transaction("reading votes to check") as session:
                yield [VoteHistory(int(r[0]), int(r[1]), r[2], float(r[3]), int(r[4]),
                                   int(r[5]), r[6], r[7]) for r in session.execute(query)]

    def set_vote_verdicts(self, verdicts: Sequence[tuple[int, bool, bool]]) -> None:
        """(battle id, informed, overlaps) per vote, in one transaction: one UPDATE per
        verdict and chunk of ids (a first pass over an old database writes every vote)."""
        groups: dict[tuple[bool, bool], list[int]] = {}
        for battle, informed, overlaps in verdicts:
            groups.setdefault((informed, overlaps), []).append(battle)
        if not groups:
            return
        with self.store.transaction("storing vote verdicts", write=True) as session:
            connection = session.connection()
            for (informed, overlaps), ids in groups.items():
                for start in range(0, len(ids), _CHUNK):
                    connection.execute(
                        update(_VOTES).where(_VOTES.c.battle_id.in_(ids[start:start + _CHUNK]))
                        .values(informed=informed, overlaps=overlaps))

    # -- the pass: rater-level counts and flags ----------------------------------------

    def tallies(self) -> list[VoteTally]:
        """Each rater's counts over all their votes, in one GROUP BY."""
        v, b = _VOTES.c, _BATTLES.c
        query = (select(v.rater_id, _ACCOUNTS.c.pseudonym, func.count(),
                        _sum(v.flag.is_not(None)), _sum(b.gold_winner.is_not(None)),
                        _sum(and_(b.gold_winner.is_not(None), v.winner == b.gold_winner)),
                        _sum(v.winner.in_(_DECISIVE)), _sum(v.winner == "model_a"),
                        _sum(v.overlaps.is_(True)))
                 .select_from(_VOTES.join(_BATTLES, b.id == v.battle_id)
                              .join(_ACCOUNTS, _ACCOUNTS.c.id == v.rater_id))
                 .group_by(v.rater_id, _ACCOUNTS.c.pseudonym))
        with self.store.transaction("counting raters' votes") as session:
            return [VoteTally(int(r[0]), r[1], *(int(n) for n in r[2:]))
                    for r in session.execute(query)]

    def model_wins(self) -> tuple[ModelWins, ModelWins]:
        """(rater, model) -> [wins, appearances] over decisive votes: the non-gold ones,
        and the informed ones (gold or not); two GROUP BY scans, one per side."""
        v, b = _VOTES.c, _BATTLES.c
        # the model that won, compared with each side's: a battle of a model with
        # itself counts a win on both sides, as the rules count it vote by vote
        winning = case((v.winner == "model_a", b.model_a), else_=b.model_b)
        plain = b.gold_winner.is_(None)
        informed = func.coalesce(v.informed, False)
        follows: ModelWins = {}
        revealed: ModelWins = {}
        with self.store.transaction("counting raters' wins") as session:
            for model in (b.model_a, b.model_b):
                query = (select(v.rater_id, model, plain, informed, _sum(winning == model),
                                func.count())
                         .select_from(_VOTES.join(_BATTLES, b.id == v.battle_id))
                         .where(v.winner.in_(_DECISIVE))
                         .group_by(v.rater_id, model, plain, informed))
                for rater, name, is_plain, is_informed, won, seen in session.execute(query):
                    for wins, wanted in ((follows, is_plain), (revealed, is_informed)):
                        if wanted:
                            entry = wins.setdefault((int(rater), name), [0, 0])
                            entry[0] += int(won)
                            entry[1] += int(seen)
        return follows, revealed

    def rater_flags(self) -> dict[int, tuple[StoredFlag, ...]]:
        query = select(_FLAGS.c.rater_id, _FLAGS.c.kind, _FLAGS.c.detail).order_by(
            _FLAGS.c.rater_id, _FLAGS.c.position)
        flags: dict[int, list[StoredFlag]] = {}
        with self.store.transaction("reading rater flags") as session:
            for rater, kind, detail in session.execute(query):
                flags.setdefault(int(rater), []).append((kind, detail))
        return {rater: tuple(f) for rater, f in flags.items()}

    def set_rater_flags(self, flags: Mapping[int, Sequence[StoredFlag]]) -> int:
        """Make the stored flags *flags* (raters absent have none), rewriting only the
        raters whose flags changed; returns how many raters changed. Upserts, so two
        workers writing the same raters at once both succeed (the last one's stand)."""
        stored = self.rater_flags()
        wanted = {r: tuple(f) for r, f in flags.items() if f}
        changed = sorted(r for r in stored.keys() | wanted.keys()
                         if stored.get(r) != wanted.get(r))
        if not changed:
            return 0
        with self.store.transaction("storing rater flags", write=True) as session:
            connection = session.connection()
            rows = [{"rater_id": r, "position": n, "kind": kind, "detail": detail}
                    for r in changed for n, (kind, detail) in enumerate(wanted.get(r, ()))]
            maker = (postgresql.insert if connection.dialect.name == "postgresql"
                     else sqlite.insert)
            for start in range(0, len(rows), _CHUNK):
                statement = maker(_FLAGS).values(rows[start:start + _CHUNK])
                connection.execute(statement.on_conflict_do_update(
                    index_elements=[_FLAGS.c.rater_id, _FLAGS.c.position],
                    set_={"kind": statement.excluded.kind,
                          "detail": statement.excluded.detail}))
            for rater in changed:  # the positions past the rater's new flags
                if len(stored.get(rater, ())) > len(wanted.get(rater, ())):
                    connection.execute(delete(_FLAGS).where(
                        _FLAGS.c.rater_id == rater,
                        _FLAGS.c.position >= len(wanted.get(rater, ()))))
        return len(changed)

    # -- reading what counts -----------------------------------------------------------

    def counted_cells(self, overruled: Collection[int], language: str | None = None,
                      kind: str | None = None) -> list[CountedCell]:
        """The votes that count (no exclusion, or overruled), of one language and task
        kind if given, grouped by (model A, model B, winner, probability)."""
        b, v = _BATTLES.c, _VOTES.c
        query = self._filtered(
            select(b.model_a, b.model_b, v.winner, b.probability, func.count()),
            _counted(overruled), language, kind
        ).group_by(b.model_a, b.model_b, v.winner, b.probability)
        with self.store.transaction("reading counted votes") as session:
            return [CountedCell(r[0], r[1], r[2], float(r[3]), int(r[4]))
                    for r in session.execute(query)]

    def excluded_counts(self, overruled: Collection[int], language: str | None = None,
                        kind: str | None = None) -> list[ExcludedCount]:
        """Per rater, the excluded votes (of one language and task kind if given)."""
        b, v = _BATTLES.c, _VOTES.c
        query = self._filtered(
            select(v.rater_id, func.count(), _sum(b.gold_winner.is_not(None)),
                   _sum(v.flag.is_not(None)), _sum(v.informed.is_(True))),
            not_(_counted(overruled)), language, kind).group_by(v.rater_id)
        with self.store.transaction("counting excluded votes") as session:
            return [ExcludedCount(*(int(n) for n in r)) for r in session.execute(query)]

    @staticmethod
    def _filtered(query: Select[Any], where: ColumnElement[bool], language: str | None,
                  kind: str | None) -> Select[Any]:
        joined = _VOTES.join(_BATTLES, _BATTLES.c.id == _VOTES.c.battle_id)
        if language is not None or kind is not None:  # the prompt only when filtering
            joined = joined.join(_PROMPTS, _PROMPTS.c.id == _BATTLES.c.prompt_id)
        query = query.select_from(joined).where(where)
        if language is not None:
            query = query.where(_PROMPTS.c.language == language)
        if kind is not None:
            query = query.where(_PROMPTS.c.kind == kind)
        return query


def _counted(overruled: Collection[int]) -> ColumnElement[bool]:
    """A vote counts unless gold, fast, informed or its rater is flagged; an admin's
    overrule counts it anyway. Overrules are admin acts, one per vote a person read: the
    list stays short enough to pass as parameters."""
    v, b = _VOTES.c, _BATTLES.c
    excluded = or_(b.gold_winner.is_not(None), v.flag.is_not(None), v.informed.is_(True),
                   v.rater_id.in_(select(_FLAGS.c.rater_id)))
    ids = sorted(overruled)
    if not ids:
        return not_(excluded)
    return or_(not_(excluded), *(v.battle_id.in_(ids[s:s + _CHUNK])
                                 for s in range(0, len(ids), _CHUNK)))
