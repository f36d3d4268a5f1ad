"""The leaderboard: the arena's stored votes, rated by the ratings engine.

Stored votes are :class:`Battle` values (the task kind is the battle's category, the
weight is the inverse of the pair's draw probability, quality-control exclusions are
kept and typed), so the page, ``fairclimb ratings`` and an exported battle file rate
exactly the same battles. Excluded votes are summed by :class:`Exclusion` kind, never by
their wording.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace

from fairclimb.arena._battle_io import Battle
from fairclimb.arena._ratings import (
    CiMethod,
    ModelRating,
    RatingOptions,
    Ratings,
    compute_ratings,
    rate_grouped,
)
from fairclimb.arena._stored_board import StoredVotes, ordered_reasons
from fairclimb.data import Exclusion

__all__ = ["PAGE_RATING_OPTIONS", "BoardCache", "Leaderboard", "build_leaderboard",
           "stored_leaderboard"]

# The page recomputes on every view: 200 seeded bootstrap rounds keep it well under a
# second for a few thousand votes while the intervals stay stable to a point or two.
PAGE_RATING_OPTIONS = RatingOptions(bootstrap=200, ci=CiMethod.BOOTSTRAP, seed=0)


@dataclass(frozen=True)
class Leaderboard:
    """Ratings over the counted votes of one filter, and what was left out and why."""

    ratings: Ratings | None  # None when no counted vote matches the filter
    counted: int
    excluded: int
    reasons: tuple[tuple[Exclusion, int], ...]  # (why, votes), most common first
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


def build_leaderboard(records: Sequence[Battle], language: str | None = None,
                      kind: str | None = None,
                      options: RatingOptions = PAGE_RATING_OPTIONS,
                      hidden: frozenset[str] = frozenset()) -> Leaderboard:
    """Rate the votes of one language and task kind (None: any); excluded votes are
    counted by reason and left out of the ratings. Hidden models' votes are rated like
    any other (hiding deletes nothing); only their rows leave the board."""
    matching = [r for r in records if (language is None or r.language == language)
                and (kind is None or r.category == kind)]
    counted = [r for r in matching if not r.excluded]
    # A vote left out for two reasons counts under each, once per kind.
    reasons = Counter(kind for r in matching if r.excluded
                      for kind in dict.fromkeys(e.kind for e in r.exclusions))
    ratings = compute_ratings(counted, options) if counted else None
    return _board(ratings, StoredVotes(None, len(counted), len(matching) - len(counted),
                                       ordered_reasons(reasons)), language, kind, hidden)


def stored_leaderboard(votes: StoredVotes, language: str | None = None,
                       kind: str | None = None,
                       options: RatingOptions = PAGE_RATING_OPTIONS,
                       hidden: frozenset[str] = frozenset()) -> Leaderboard:
    """The same board from the store's grouped rows (see ``_stored_board``); *options*
    must filter nothing themselves (the board's language and kind are the filter)."""
    ratings = rate_grouped(votes.table, options) if votes.table is not None else None
    return _board(ratings, votes, language, kind, hidden)


def _board(ratings: Ratings | None, votes: StoredVotes, language: str | None,
           kind: str | None, hidden: frozenset[str]) -> Leaderboard:
    shown = tuple(sorted(hidden & {m.model for m in ratings.models})) if ratings else ()
    if ratings is not None and shown:
        ratings = replace(ratings, models=_reranked(
            [m for m in ratings.models if m.model not in hidden]))
    return Leaderboard(ratings, votes.counted, votes.excluded, votes.reasons, language,
                       kind, shown)


class BoardCache:
    """Leaderboards by what they were computed from (the store's board version, the
    filter and the options): the page and its plot are two requests, and every view
    of an unchanged arena would otherwise refit the same votes (0.2 s at 5,000)."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._boards: OrderedDict[Hashable, Leaderboard] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Leaderboard]) -> Leaderboard:
        with self._lock:  # one computation per key, even for concurrent requests
            board = self._boards.get(key)
            if board is None:
                board = self._boards[key] = compute()
                while len(self._boards) > self._size:
                    self._boards.popitem(last=False)
            self._boards.move_to_end(key)
            return board


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

