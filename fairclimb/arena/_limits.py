"""Per-rater rate limits: a sliding window per key, held by whoever serves requests."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable

__all__ = ["RateLimiter"]


class RateLimiter:
    """At most ``limit`` events per ``window_s`` seconds for each key.

    One instance per limit and per server (no global state); thread-safe, because the
    web app may call it from its worker threads.
    """

    def __init__(self, limit: int, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("a rate limit needs limit >= 1 and a positive window")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._events: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: Hashable) -> bool:
        """Count an event for ``key`` if it is within the limit; False if it is not."""
        now = self._clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True
