"""When and how long to wait before asking a model provider again."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["RETRYABLE_STATUS", "RetryLog", "RetryPolicy", "parse_retry_after"]

# Too many requests, and the server-side failures that a later attempt may not meet.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries with capped exponential backoff and full jitter, honouring Retry-After.

    ``attempts`` counts every try, the first included. Before try ``n + 1`` the caller
    waits a uniformly random time in ``[0, min(max_delay_s, base_delay_s * 2**(n-1))]``,
    or what the provider's ``Retry-After`` asked for, capped at ``max_delay_s``.
    ``timeout_s`` bounds one request. ``rng`` and ``sleep`` are injectable for tests.
    """

    attempts: int = 6
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    timeout_s: float = 120.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)
    sleep: Callable[[float], Awaitable[None]] = field(default=_sleep, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay_s < 0 or self.max_delay_s < 0 or self.timeout_s <= 0:
            raise ValueError("delays must not be negative and the timeout must be positive")

    def delay(self, failed_attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after ``failed_attempts`` tries (1 after the first failure)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (failed_attempts - 1))
        return self.rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP-date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


class RetryLog:
    """At most one warning per ``interval_s`` about failed attempts, however many fail.

    A dead endpoint under a large generation fails thousands of attempts; one warning each
    buried the one line that mattered. The first failure is said at once; later ones are
    counted and summed up in one line when ``interval_s`` has passed since the last line.
    Every attempt is still logged at DEBUG.
    """

    def __init__(self, name: str, logger: logging.Logger, *, interval_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._name, self._logger = name, logger
        self._interval_s, self._clock = interval_s, clock
        self._said_at: float | None = None
        self._unsaid = 0

    def failed(self, reason: str, attempt: int, attempts: int) -> None:
        """Record one failed attempt; warn when the last warning is old enough."""
        self._logger.debug("model %s attempt %d/%d failed (%s)",
                           self._name, attempt, attempts, reason)
        self._unsaid += 1
        now = self._clock()
        if self._said_at is not None and now - self._said_at < self._interval_s:
            return
        if self._said_at is None:
            self._logger.warning("model %s: an attempt failed (%s); retrying (one line "
                                 "per %gs from now on)", self._name, reason, self._interval_s)
        else:
            self._logger.warning("model %s: %d attempts failed in the last %.0fs (last: %s); "
                                 "still retrying", self._name, self._unsaid,
                                 now - self._said_at, reason)
        self._said_at, self._unsaid = now, 0
