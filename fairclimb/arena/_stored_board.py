"""Ratings and the leaderboard from the store without reading votes one by one.

Quality control's pass (:func:`check_quality`) runs before every read: it checks the
votes not checked yet (informed, overlapping; the rules of ``_quality`` on the narrow
rows of the raters who voted since the last pass), counts every rater's votes with a few
GROUP BY queries, applies the same rater rules to those counts and stores the flags of
the raters whose flags changed. The rater rules are re-run on every read because one
rater's votes move another's "follows one model" share and the thresholds are the
arena's options; the counts are SQL aggregates, so it costs a few queries, not a scan in
Python.

The votes that count are then read grouped by (model A, model B, winner, probability):
the fit and the bootstrap see the same pair cells as from the votes one by one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from fairclimb.arena._battle_io import Battle
from fairclimb.arena._battle_table import BattleTable
from fairclimb.arena._quality import (
    RaterQuality,
    flag_raters,
    informed_votes,
    overlapping,
)
from fairclimb.arena._records import ArenaOptions
from fairclimb.data import Exclusion, Winner
from fairclimb.store import ArenaQuality, StoredFlag, VoteHistory

__all__ = ["StoredVotes", "check_quality", "ordered_reasons", "stored_votes"]


@dataclass(frozen=True)
class StoredVotes:
    """The votes (and ranking pairs) of one language and task kind: those that count,
    grouped, and those left out, by reason."""

    table: BattleTable | None  # None when nothing counts
    counted: int
    excluded: int
    reasons: tuple[tuple[Exclusion, int], ...]  # (why, votes), most common first


def stored_votes(quality: ArenaQuality, options: ArenaOptions, overruled: Collection[int],
                 rankings: Sequence[Battle], language: str | None = None,
                 kind: str | None = None, *, left_out: bool = True) -> StoredVotes:
    """Check quality, then read the votes that count as grouped rows and (unless not
    *left_out*: ratings need only the counted) the excluded ones as counts per rater;
    *rankings* (the pairs submitted rankings imply: few, and not in the vote table) are
    added one by one."""
    flags = check_quality(quality, options)
    cells = quality.counted_cells(overruled, language, kind)
    reasons: Counter[Exclusion] = Counter()
    excluded = 0
    for row in quality.excluded_counts(overruled, language, kind) if left_out else ():
        excluded += row.votes
        reasons.update({Exclusion.GOLD_CHECK: row.gold, Exclusion.FAST_VOTE: row.fast,
                        Exclusion.INFORMED: row.informed})
        # A vote left out for two reasons counts under each, once per kind.
        reasons.update({Exclusion(k): row.votes
                        for k in dict.fromkeys(k for k, _ in flags.get(row.rater_id, ()))})
    matching = [r for r in rankings if (language is None or r.language == language)
                and (kind is None or r.category == kind)]
    ranked = [r for r in matching if not r.excluded]
    for record in matching:
        if record.excluded:
            excluded += 1
            reasons.update(list(dict.fromkeys(e.kind for e in record.exclusions)))
    counted = sum(c.count for c in cells) + len(ranked)
    rows = [(c.model_a, c.model_b, Winner(c.winner).score_a,
             1.0 / c.probability if c.probability > 0 else 1.0, c.count) for c in cells]
    rows += [(r.model_a, r.model_b, r.winner.score_a, r.weight, 1) for r in ranked]
    return StoredVotes(_table(rows) if rows else None, counted, excluded,
                       ordered_reasons(reasons))


def ordered_reasons(reasons: Counter[Exclusion]) -> tuple[tuple[Exclusion, int], ...]:
    """Most common first; ties by the kind's name (not by which vote came first, so
    grouped and one-by-one reads agree)."""
    return tuple(sorted(((k, n) for k, n in reasons.items() if n > 0),
                        key=lambda item: (-item[1], item[0].value)))


def _table(rows: Sequence[tuple[str, str, float, float, int]]) -> BattleTable:
    models = tuple(sorted({m for row in rows for m in row[:2]}))
    index = {m: i for i, m in enumerate(models)}
    return BattleTable(
        models=models,
        a=np.array([index[r[0]] for r in rows], dtype=np.int64),
        b=np.array([index[r[1]] for r in rows], dtype=np.int64),
        score_a=np.array([r[2] for r in rows], dtype=np.float64),
        weight=np.array([r[3] for r in rows], dtype=np.float64),
        count=np.array([r[4] for r in rows], dtype=np.int64))


def _by_rater(history: Sequence[VoteHistory]) -> dict[int, list[VoteHistory]]:
    by_rater: dict[int, list[VoteHistory]] = {}
    for vote in history:
        by_rater.setdefault(vote.rater_id, []).append(vote)
    return by_rater


def check_quality(quality: ArenaQuality, options: ArenaOptions
                  ) -> dict[int, tuple[StoredFlag, ...]]:
    """Bring the stored verdicts up to date (see the module's docstring); returns each
    flagged rater's flags."""
    for history in quality.histories(quality.unchecked_raters()):
        raters = _by_rater(history).values()
        informed = {b for own in raters for b in informed_votes(own)}
        overlaps = {v.battle_id for own in raters for v in overlapping(own)}
        quality.set_vote_verdicts([
            (v.battle_id, v.battle_id in informed, v.battle_id in overlaps)
            for v in history
            if (v.informed, v.overlaps) != (v.battle_id in informed, v.battle_id in overlaps)])
    tallied = {t.rater_id: RaterQuality(
        t.rater_id, t.judge, votes=t.votes, gold_votes=t.gold_votes,
        gold_correct=t.gold_correct, left_votes=t.left_votes, decisive=t.decisive,
        fast_votes=t.fast_votes, overlaps=t.overlaps) for t in quality.tallies()}
    follows, informed_wins = quality.model_wins()
    flag_raters(tallied, follows, informed_wins, options)
    flags = {r: tuple((f.kind.value, f.detail) for f in q.flags)
             for r, q in tallied.items() if q.flags}
    quality.set_rater_flags(flags)
    return flags
