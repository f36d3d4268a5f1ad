"""Per-rater rate limits: a sliding window per key, counted in the database.

``arena serve --workers N`` runs N server processes behind one socket, and a rater's
requests land on any of them; a count kept in one process's memory would let each
rater through N times the limit. So the count lives in the store (``ArenaRateLimits``),
where every process takes from the same window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fairclimb.arena._task_input import now as utc_now
from fairclimb.store import MAX_RATE_WINDOW as MAX_WINDOW
from fairclimb.store import ArenaRateLimits, RateWindow, Store

__all__ = ["RateLimiter"]


class RateLimiter:
    """At most ``limit`` events per ``window_s`` seconds for each key, across every
    server process on the same database; ``name`` keeps limits apart (``vote``,
    ``battle``)."""

    def __init__(self, store: Store, name: str, limit: int, window_s: float = 60.0,
                 clock: Callable[[], datetime] = utc_now) -> None:
        if limit < 1 or not 0 < window_s <= MAX_WINDOW.total_seconds():
            raise ValueError("a rate limit needs limit >= 1 and a window of at most "
                             f"{MAX_WINDOW.total_seconds():g} s")
        self.limit = limit
        self.window = timedelta(seconds=window_s)
        self._name = name
        self._clock = clock
        self._counts = ArenaRateLimits(store)

    def allow(self, key: int | str) -> bool:
        """Count an event for ``key`` if it is within the limit; False if it is not."""
        now = self._clock()
        return self._counts.take(f"{self._name}:{key}", self.limit, now, now - self.window)

    def window_for(self, key: int | str) -> RateWindow:
        """The event to count for ``key`` inside a caller's own transaction (the vote
        counts its event in the vote's transaction: one round trip, not a transaction
        of its own, and a vote that is refused counts nothing)."""
        now = self._clock()
        return RateWindow(f"{self._name}:{key}", self.limit, now, now - self.window,
                          self._counts.sweep_due())
