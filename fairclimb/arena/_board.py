"""The leaderboard: the arena's stored votes, rated by the ratings engine.

Stored votes become :class:`Battle` values (the task kind is the battle's category,
the weight is the inverse of the pair's draw probability, quality-control exclusions
are kept and marked), so the page, ``fairclimb ratings`` and an exported battle file
rate exactly the same battles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from fairclimb.arena._battle_io import Battle, Winner
from fairclimb.arena._ratings import (
    CiMethod,
    ModelRating,
    RatingOptions,
    Ratings,
    compute_ratings,
)
from fairclimb.store import BattleRecord

__all__ = ["PAGE_RATING_OPTIONS", "Leaderboard", "build_leaderboard", "to_battle"]

# The page recomputes on every view: 200 seeded bootstrap rounds keep it well under a
# second for a few thousand votes while the intervals stay stable to a point or two.
PAGE_RATING_OPTIONS = RatingOptions(bootstrap=200, ci=CiMethod.BOOTSTRAP, seed=0)


@dataclass(frozen=True)
class Leaderboard:
    """Ratings over the counted votes of one filter, and what was left out and why."""

    ratings: Ratings | None  # None when no counted vote matches the filter
    counted: int
    excluded: int
    reasons: tuple[tuple[str, int], ...]  # (exclusion reason, votes), most common first
    language: str | None = None
    kind: str | None = None
    hidden: tuple[str, ...] = ()  # rated (their votes count) but not shown

    @property
    def method(self) -> str:
        options = self.ratings.options if self.ratings else PAGE_RATING_OPTIONS
        interval = (f"{options.bootstrap}-round bootstrap (seed {options.seed})"
                    if options.ci is CiMethod.BOOTSTRAP else "sandwich")
        return (f"Bradley-Terry on FastChat's scale (mean 1000), {options.level:.0%} "
                f"{interval} intervals; fewer than {options.min_votes} votes: provisional")


def to_battle(record: BattleRecord) -> Battle:
    """A stored vote as a battle for the ratings engine (exclusions marked, not dropped)."""
    return Battle(model_a=record.model_a, model_b=record.model_b, winner=Winner(record.winner),
                  tstamp=record.tstamp, judge=record.judge, language=record.language,
                  category=record.kind, weight=record.weight, excluded=record.excluded)


def build_leaderboard(records: Sequence[BattleRecord], language: str | None = None,
                      kind: str | None = None,
                      options: RatingOptions = PAGE_RATING_OPTIONS,
                      hidden: frozenset[str] = frozenset()) -> Leaderboard:
    """Rate the votes of one language and task kind (None: any); excluded votes are
    counted by reason and left out of the ratings. Hidden models' votes are rated like
    any other (hiding deletes nothing); only their rows leave the board."""
    matching = [r for r in records if (language is None or r.language == language)
                and (kind is None or r.kind == kind)]
    counted = [to_battle(r) for r in matching if not r.excluded]
    reasons = Counter(_reason_kind(part) for r in matching if r.excluded
                      for part in r.reason.split("; ") if part)
    ratings = compute_ratings(counted, options) if counted else None
    shown = tuple(sorted(hidden & {m.model for m in ratings.models})) if ratings else ()
    if ratings is not None and shown:
        ratings = replace(ratings, models=_reranked(
            [m for m in ratings.models if m.model not in hidden]))
    return Leaderboard(ratings, len(counted), len(matching) - len(counted),
                       tuple(reasons.most_common()), language, kind, shown)


def _reranked(models: Sequence[ModelRating]) -> tuple[ModelRating, ...]:
    """Ranks among the shown models, by the engine's rule (1 + those wholly above; the
    range's end, 1 + those that may be), from the same fit's intervals."""
    out = []
    for m in models:
        above = sum(o.lower > m.upper for o in models)
        maybe = sum(o.upper >= m.lower for o in models) - 1
        out.append(replace(m, rank=1 + above, rank_lower=1 + above,
                           rank_upper=1 + max(above, maybe)))
    return tuple(out)


def _reason_kind(reason: str) -> str:
    """A reason without its particulars, so the summary counts kinds: "fast vote (1.2 s <
    3 s)" is a "fast vote", "rater flagged: position bias: chose..." a position bias."""
    return ":".join(reason.split(" (", maxsplit=1)[0].split(":")[:2]).strip()
