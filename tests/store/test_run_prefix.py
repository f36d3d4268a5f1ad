"""Runs found by a prefix of their id: SQL wildcards in the prefix are literal."""

from __future__ import annotations

from collections.abc import Callable

from fairclimb.store import NewRun, Store


def test_runs_starting_with_a_prefix(store: Store, make_run: Callable[..., NewRun]) -> None:
    ids = sorted(store.create_run(make_run(out_dir=f"/runs/{i}")) for i in range(20))
    for run_id in ids:
        (found,) = store.runs_starting_with(run_id)
        assert found.run_id == run_id
    first = ids[0][0]
    assert [r.run_id for r in store.runs_starting_with(first, limit=50)] == [
        i for i in ids if i.startswith(first)]
    assert len(store.runs_starting_with("", limit=3)) == 3
    for wildcard in ("%", "_", "\\", ids[0][:2] + "%"):
        assert store.runs_starting_with(wildcard) == []
