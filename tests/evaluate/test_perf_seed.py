"""An optimize run's performance-input seed is the run's: recorded in its settings and
summary, used by every checker, kept by a resume and new for a new run."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from fairclimb.evaluate import EvalOptions, evaluate, plan_evaluation
from fairclimb.evaluate.judge._efficiency import task_seed
from fairclimb.sandbox import Limits
from fairclimb.store import Store
from fairclimb.suites import get_suite

OPTIONS = EvalOptions(workers=1, limits=Limits(wall_s=10.0), bootstrap_rounds=50,
                      perf_runs=1)


def _lines(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_the_perf_seed_is_recorded_and_reused_on_resume(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path]
) -> None:
    task = get_suite("fairclimb-optimize").tasks[0]
    samples = write_samples([{"task_id": task.task_id, "solution": task.reference_program,
                              "n": n} for n in range(2)])
    out = tmp_path / "out"
    first = evaluate(plan_evaluation("fairclimb-optimize", samples, out, OPTIONS), store)
    run_id = first.summary.run_id
    assert run_id is not None
    run = store.get_run(run_id)
    assert run is not None
    seed = run.settings["perf_seed"]
    assert isinstance(seed, int)
    assert json.loads((out / "summary.json").read_text())["perf_seed"] == seed
    assert first.summary.perf_seed == seed
    named = f"performance input seed {task_seed(seed, task.task_id)}"
    assert all(str(line["detail"]).endswith(named) for line in _lines(out))

    # Lose the second verdict: the resumed run measures it on the same inputs.
    (out / "results.jsonl").write_text(json.dumps(_lines(out)[0]) + "\n")
    with store.transaction("deleting a result", write=True) as session:
        session.execute(text("DELETE FROM eval_results WHERE run_id = :run "
                             "AND sample_index = 1"), {"run": run_id})
    again = evaluate(plan_evaluation("fairclimb-optimize", samples, out, OPTIONS), store)
    assert again.resumed == 1 and again.summary.perf_seed == seed
    assert str(_lines(out)[1]["detail"]).endswith(named)

    # Another run draws its own seed.
    other = evaluate(plan_evaluation("fairclimb-optimize", samples, tmp_path / "other",
                                     OPTIONS), store)
    assert other.summary.perf_seed is not None and other.summary.perf_seed != seed


def test_a_run_without_optimize_tasks_names_no_perf_seed(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path]
) -> None:
    samples = write_samples([{"task_id": "HumanEval/53", "completion": "    return x + y\n"}])
    out = tmp_path / "out"
    outcome = evaluate(plan_evaluation("humaneval", samples, out,
                                       dataclasses.replace(OPTIONS, workers=1)), store)
    assert outcome.summary.perf_seed is None
    assert json.loads((out / "summary.json").read_text())["perf_seed"] is None
