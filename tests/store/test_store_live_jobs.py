"""Live battles' rows (``arena_live_jobs``): the text so far, bounded, and rows an hour
old removed a bounded number at a time when a job is created, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fairclimb.store import ArenaLiveJobs, Store

START = datetime(2026, 1, 1, tzinfo=UTC)


def test_expired_jobs_go_a_bounded_number_at_a_time_oldest_first(store: Store) -> None:
    jobs = ArenaLiveJobs(store)
    for i in range(120):  # over an hour old: half finished, half abandoned
        jobs.add(f"old-{i}", 1, "python", "implement", START + timedelta(seconds=i))
        if i % 2:
            jobs.finish(f"old-{i}", None, "the models could not answer")
    later = START + timedelta(hours=3)
    jobs.add("recent", 1, "python", "implement", later - timedelta(minutes=30))

    def new(name: str) -> int:
        return jobs.add(name, 2, "python", "implement", later,
                        expired_before=later - timedelta(hours=1))

    assert new("new-1") == 50
    assert jobs.get("old-49") is None and jobs.get("old-50") is not None  # oldest first
    assert [new("new-2"), new("new-3"), new("new-4")] == [50, 20, 0]
    assert jobs.count() == 5  # recent and the four new ones
    assert jobs.get("recent") is not None
    assert jobs.add("plain", 1, "python", "implement", later) == 0  # no sweep asked


def test_the_text_so_far_round_trips_cut_to_a_bound(store: Store) -> None:
    jobs = ArenaLiveJobs(store)
    jobs.add("job", 1, "python", "implement", START)
    assert jobs.get("job").partial == {}  # type: ignore[union-attr]
    jobs.set_partial("job", {0: "def f():\n    return 1"})
    jobs.set_partial("job", {1: "é" * 40_000})
    record = jobs.get("job")
    assert record is not None
    assert record.partial == {0: "def f():\n    return 1", 1: "é" * 32_000}
