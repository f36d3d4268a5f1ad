"""Runs: create, read, list, finish, and find one to resume."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from fairclimb.errors import StoreError
from fairclimb.store import NewRun, Store


def test_create_and_get_round_trip(store: Store, make_run: Callable[..., NewRun]) -> None:
    new = make_run(sandbox="rlimits", sandbox_warning="no bubblewrap: weaker isolation")
    before = datetime.now(UTC)
    run_id = store.create_run(new)
    record = store.get_run(run_id)

    assert record is not None
    assert len(run_id) == 32 and int(run_id, 16) >= 0
    for field in NewRun.__dataclass_fields__:
        assert getattr(record, field) == getattr(new, field)
    assert record.started_at.tzinfo is UTC
    assert before <= record.started_at <= datetime.now(UTC)
    assert record.finished_at is None
    assert record.summary is None
    assert not record.finished


def test_get_unknown_run(store: Store) -> None:
    assert store.get_run("0" * 32) is None


def test_list_runs_newest_first_with_limit(store: Store, make_run: Callable[..., NewRun]) -> None:
    ids = [store.create_run(make_run(suite=f"suite{i}")) for i in range(5)]
    assert [run.run_id for run in store.list_runs()] == ids[::-1]
    assert [run.run_id for run in store.list_runs(limit=2)] == ids[:-3:-1]
    assert store.list_runs(limit=0) == []
    with pytest.raises(ValueError):
        store.list_runs(limit=-1)


def test_finish_run(store: Store, make_run: Callable[..., NewRun]) -> None:
    run_id = store.create_run(make_run())
    summary = {"pass@1": {"estimate": 0.5, "n": 10}, "counts": {"passed": 5, "failed": 5}}
    store.finish_run(run_id, summary)
    record = store.get_run(run_id)

    assert record is not None
    assert record.finished
    assert record.finished_at is not None and record.finished_at.tzinfo is UTC
    assert record.finished_at >= record.started_at
    assert record.summary == summary


def test_finish_unknown_run(store: Store) -> None:
    with pytest.raises(StoreError, match="no run"):
        store.finish_run("f" * 32, {})


@pytest.mark.parametrize("finish_first", [False, True], ids=["unfinished", "finished"])
def test_find_resumable_run_takes_the_newest_match(
    store: Store, make_run: Callable[..., NewRun], finish_first: bool
) -> None:
    older = store.create_run(make_run())
    newer = store.create_run(make_run())
    store.create_run(make_run(out_dir="/runs/other"))
    store.create_run(make_run(samples_sha256="b" * 64))
    if finish_first:
        store.finish_run(newer, {})

    assert store.find_resumable_run("/runs/one", "a" * 64) == newer != older


@pytest.mark.parametrize(
    ("out_dir", "sha"), [("/runs/one", "c" * 64), ("/runs/two", "a" * 64), ("/runs/two", "c" * 64)]
)
def test_find_resumable_run_needs_both_to_match(
    store: Store, make_run: Callable[..., NewRun], out_dir: str, sha: str
) -> None:
    store.create_run(make_run())
    assert store.find_resumable_run(out_dir, sha) is None
