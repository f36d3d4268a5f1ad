"""Rate limits are counted in the database: every server process (``arena serve
--workers N``), here every Store opened on the same database, takes from one window."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pg import fresh_database

from fairclimb.arena import RateLimiter
from fairclimb.store import Store


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgres":
        with fresh_database() as url:
            yield url
        return
    yield str(tmp_path / "arena.db")


def test_the_window_slides_per_key(db_url: str) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    with Store.open(db_url) as store:
        limiter = RateLimiter(store, "vote", 2, 10.0, clock=lambda: now[0])
        assert limiter.allow(1) and limiter.allow(1) and not limiter.allow(1)
        assert limiter.allow(2)  # per key
        assert RateLimiter(store, "battle", 2, 10.0, clock=lambda: now[0]).allow(1)  # per name
        now[0] += timedelta(seconds=10.5)
        assert limiter.allow(1)


def test_two_processes_share_one_count(db_url: str) -> None:
    """Two stores on one database stand for two server processes: the limit holds over
    both, where a count in each process's memory would allow twice as many."""
    with Store.open(db_url) as first, Store.open(db_url) as second:
        limiters = [RateLimiter(store, "vote", 5) for store in (first, second)]
        allowed = [limiters[i % 2].allow(7) for i in range(12)]
    assert allowed == [True] * 5 + [False] * 7


def test_concurrent_takes_never_pass_the_limit(db_url: str) -> None:
    """Takes racing from threads on two stores: exactly ``limit`` succeed (the count and
    the insert are one locked transaction)."""
    results: list[bool] = []
    with Store.open(db_url) as first, Store.open(db_url) as second:
        limiters = [RateLimiter(store, "vote", 10) for store in (first, second)]
        barrier = threading.Barrier(8)

        def take(limiter: RateLimiter) -> None:
            barrier.wait()
            for _ in range(5):
                results.append(limiter.allow(3))

        threads = [threading.Thread(target=take, args=(limiters[i % 2],)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results.count(True) == 10 and len(results) == 40


def test_a_limit_needs_a_sane_window(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "a.db")) as store:
        for limit, window in ((0, 60.0), (5, 0.0), (5, 7200.0), (5, 601.0)):
            with pytest.raises(ValueError, match="rate limit"):
                RateLimiter(store, "vote", limit, window)
