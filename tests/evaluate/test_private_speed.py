"""A private optimize task's speed scores count in the run's aggregate, in a fresh run
and in one resumed from the store alike, and are never written one by one."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from fairclimb.evaluate import EvalOptions, evaluate, plan_evaluation
from fairclimb.sandbox import Limits
from fairclimb.store import Store, StoredSuite, SuiteRepository
from fairclimb.suites import Split, get_suite, task_to_fields

OPTIONS = EvalOptions(workers=1, limits=Limits(wall_s=10.0), bootstrap_rounds=50,
                      perf_runs=1)


@pytest.mark.slow
def test_private_speed_scores_count_alike_fresh_and_resumed(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path]
) -> None:
    task = get_suite("fairclimb-optimize").tasks[0]
    name = task.task_id.split("/", 1)[1]
    fields = task_to_fields(task) | {"task_id": f"popt/{name}", "suite": "popt",
                                     "split": Split.PRIVATE.value}
    SuiteRepository(store).put(StoredSuite("popt", "private optimize", task.origin, {},
                                           [fields]))
    samples = write_samples([{"task_id": f"popt/{name}", "solution": task.reference_program}])
    out = tmp_path / "out"
    first = evaluate(plan_evaluation("popt", samples, out, OPTIONS, store), store)
    assert first.summary.statuses["passed"] == 1
    assert first.summary.speed is not None and first.summary.speed.samples == 1
    (line,) = (json.loads(text) for text in (out / "results.jsonl").read_text().splitlines())
    assert "speed_score" not in line and "cost" not in line
    assert line["detail"] == "passed (details withheld: private task)"
    assert first.summary.run_id is not None
    (row,) = store.results(first.summary.run_id)
    assert row.detail == line["detail"] and (row.cpu_s, row.wall_s) == (0.0, 0.0)

    shutil.rmtree(out)  # resumed from the store alone
    again = evaluate(plan_evaluation("popt", samples, out, OPTIONS, store), store)
    assert again.resumed == 1
    assert again.summary.speed == first.summary.speed
    assert json.loads((out / "results.jsonl").read_text()) == line
