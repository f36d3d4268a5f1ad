"""End to end: samples file in, results.jsonl / summary.json / store rows out."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from fairclimb.evaluate import EvalOptions, EvalOutcome, Status, plan_evaluation
from fairclimb.evaluate import evaluate as run_plan
from fairclimb.sandbox import Limits
from fairclimb.store import Store
from fairclimb.suites import Suite, get_suite

OPTIONS = EvalOptions(workers=2, limits=Limits(wall_s=2.0), bootstrap_rounds=200)
RIGHT_ADD = "    return x + y\n"
WRONG_ADD = "    return x - y\n"


def evaluate(suite: str, samples: Path, out: Path, options: EvalOptions,
             store: Store) -> EvalOutcome:
    return run_plan(plan_evaluation(suite, samples, out, options), store)


def read_results(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def test_results_are_in_input_order_and_keep_every_key(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path], humaneval: Suite
) -> None:
    rows = [
        {"task_id": "HumanEval/53", "completion": RIGHT_ADD, "mine": 1},
        {"task_id": "HumanEval/0", "completion": "    while True: pass\n", "mine": 2},
        {"task_id": "HumanEval/53", "completion": WRONG_ADD, "mine": 3},
        {"task_id": "HumanEval/53", "solution": "def add(x, y):\n    return x + y\n", "mine": 4},
    ]
    out = tmp_path / "out"
    outcome = evaluate("humaneval", write_samples(rows), out, OPTIONS, store)
    results = read_results(out)
    assert [r["mine"] for r in results] == [1, 2, 3, 4]
    assert [r["status"] for r in results] == ["passed", "timeout", "failed", "passed"]
    assert [r["passed"] for r in results] == [True, False, False, True]
    assert all(r["detail"] for r in results)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["statuses"]["passed"] == 2
    assert summary["samples"] == 4
    assert outcome.summary.run_id is not None
    stored = store.results(outcome.summary.run_id)
    assert [row.status for row in stored] == ["passed", "timeout", "failed", "passed"]
    run = store.get_run(outcome.summary.run_id)
    assert run is not None and run.finished_at is not None and run.n_samples == 4


def test_identical_programs_are_checked_once(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path]
) -> None:
    rows = [{"task_id": "HumanEval/53", "completion": RIGHT_ADD}] * 5
    rows.append({"task_id": "HumanEval/53", "completion": RIGHT_ADD + "# other\n"})
    outcome = evaluate("humaneval", write_samples(rows), tmp_path / "out", OPTIONS, store)
    assert outcome.summary.deduplicated == 4
    assert outcome.summary.statuses["passed"] == 6


def test_rerun_resumes_and_drops_a_torn_line(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path]
) -> None:
    rows = [{"task_id": "HumanEval/53", "completion": RIGHT_ADD + f"# {i}\n"} for i in range(6)]
    samples = write_samples(rows)
    out = tmp_path / "out"
    first = evaluate("humaneval", samples, out, OPTIONS, store)
    assert first.resumed == 0
    lines = (out / "results.jsonl").read_text().splitlines(keepends=True)
    # Simulate a run killed after three results, mid-way through writing the fourth.
    (out / "results.jsonl").write_text("".join(lines[:3]) + lines[3][:10])
    fresh_store = Store.open(str(tmp_path / "other.db"))  # the store cannot help here
    with fresh_store:
        second = evaluate("humaneval", samples, out, OPTIONS, fresh_store)
        assert second.summary.run_id is not None
        # The new store holds every verdict, the three read back from the file too.
        assert fresh_store.result_indices(second.summary.run_id) == set(range(6))
    assert second.resumed == 3
    assert (out / "results.jsonl").read_text().splitlines(keepends=True) == lines
    # With the original store, every verdict is known: nothing runs again.
    third = evaluate("humaneval", samples, out, OPTIONS, store)
    assert third.resumed == 6


def test_out_dir_of_another_samples_file_is_refused(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path]
) -> None:
    from fairclimb.errors import UserInputError

    out = tmp_path / "out"
    evaluate("humaneval", write_samples([{"task_id": "HumanEval/53", "completion": RIGHT_ADD}]),
             out, OPTIONS, store)
    other = write_samples([{"task_id": "HumanEval/53", "completion": WRONG_ADD}], "other.jsonl")
    with pytest.raises(UserInputError, match="another samples file"):
        evaluate("humaneval", other, out, OPTIONS, store)


@pytest.mark.parametrize(
    ("program", "status"),
    [
        ("def add(x, y):\n    return x + y\n", Status.PASSED),
        ("def add(x, y):\n    return x + y +\n", Status.INVALID),
        ("def plus(x, y):\n    return x + y\n", Status.INVALID),
        ("raise ValueError('at import')\n", Status.ERROR),
        ("def add(x, y):\n    raise KeyError(x)\n", Status.ERROR),
        ("def add(x, y):\n    import ctypes\n    ctypes.string_at(0)\n", Status.CRASHED),
        ("def add(x, y):\n    return [0] * (1 << 40)\n", Status.MEMORY),
        ("import time\ndef add(x, y):\n    time.sleep(60)\n", Status.TIMEOUT),
    ],
    ids=["passed", "syntax", "no-entry-point", "import-error", "raises", "segfault", "memory",
         "sleep"],
)
def test_each_status(tmp_path: Path, store: Store, write_samples: Callable[..., Path],
                     program: str, status: Status) -> None:
    rows = [{"task_id": "HumanEval/53", "solution": program}]
    evaluate("humaneval", write_samples(rows), tmp_path / "out", OPTIONS, store)
    (result,) = read_results(tmp_path / "out")
    assert result["status"] == status.value, result["detail"]


def _has_close_elements_samples(humaneval: Suite, count: int = 24) -> list[dict[str, object]]:
    """Samples of HumanEval/0, every third one right, each unique by a comment."""
    task = humaneval.get("HumanEval/0")
    assert task is not None
    wrong = "def has_close_elements(numbers, threshold):\n    return False\n"
    return [{"task_id": "HumanEval/0",
             "solution": (task.reference_program if i % 3 == 0 else wrong) + f"# {i}\n"}
            for i in range(count)]


def test_deleted_out_dir_is_rebuilt_from_the_store(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path], humaneval: Suite
) -> None:
    # Issue 10, defect 4: the store said "resumed: N" and results.jsonl came back empty.
    samples = write_samples(_has_close_elements_samples(humaneval, 6))
    out = tmp_path / "out"
    evaluate("humaneval", samples, out, OPTIONS, store)
    lines = (out / "results.jsonl").read_text().splitlines()
    shutil.rmtree(out)
    again = evaluate("humaneval", samples, out, OPTIONS, store)
    assert again.resumed == 6
    assert (out / "results.jsonl").read_text().splitlines() == lines
    assert again.summary.samples == 6


def test_store_ahead_of_the_file_never_shifts_results(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path], humaneval: Suite
) -> None:
    # Issue 10, defect 5: verdicts reach the store as they finish and the file in input
    # order, so the store may hold results past a gap; resuming must not shift lines.
    samples = write_samples(_has_close_elements_samples(humaneval))
    out = tmp_path / "out"
    first = evaluate("humaneval", samples, out, OPTIONS, store)
    lines = (out / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["passed"] for line in lines] == [i % 3 == 0 for i in range(24)]
    (out / "results.jsonl").write_text("".join(line + "\n" for line in lines[:5]))
    with store.transaction("deleting results", write=True) as session:
        session.execute(text("DELETE FROM eval_results WHERE run_id = :run "
                             "AND sample_index BETWEEN 5 AND 19"),
                        {"run": first.summary.run_id})
    for _ in range(2):
        evaluate("humaneval", samples, out, OPTIONS, store)
        assert (out / "results.jsonl").read_text().splitlines() == lines


def test_resume_refuses_another_include_private(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path]
) -> None:
    from fairclimb.errors import UserInputError

    samples = write_samples([{"task_id": "HumanEval/53", "completion": RIGHT_ADD}])
    out = tmp_path / "out"
    evaluate("humaneval", samples, out, OPTIONS, store)
    private = dataclasses.replace(OPTIONS, include_private=True)
    with pytest.raises(UserInputError, match="--include-private"):
        evaluate("humaneval", samples, out, private, store)
    assert len(read_results(out)) == 1


@pytest.mark.slow
def test_cost_and_speed_score_survive_a_resume_from_the_store_alone(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path]
) -> None:
    # The store kept only status and detail: a resumed optimize run lost its costs.
    task = get_suite("fairclimb-optimize").tasks[0]
    samples = write_samples([{"task_id": task.task_id, "solution": task.reference_program}])
    out = tmp_path / "out"
    options = dataclasses.replace(OPTIONS, perf_runs=1, limits=Limits(wall_s=10.0))
    first = run_plan(plan_evaluation("fairclimb-optimize", samples, out, options), store)
    (line,) = read_results(out)
    assert line["speed_score"] is not None and line["cost"] is not None, line
    shutil.rmtree(out)
    again = run_plan(plan_evaluation("fairclimb-optimize", samples, out, options), store)
    assert again.resumed == 1
    assert read_results(out) == [line]
    assert again.summary.speed == first.summary.speed


def _rebuilt(name: str, task_id: str) -> Suite:
    """The suite as a rebuild leaves it: the same name, one task's tests changed."""
    suite = get_suite(name)
    tasks = tuple(dataclasses.replace(t, tests=t.tests + "\n    assert candidate(0, 0) == 0\n")
                  if t.task_id == task_id else t for t in suite.tasks)
    return Suite(suite.name, suite.description, suite.origin, tasks)


@pytest.mark.parametrize("kept", ["run.json", "store only"])
def test_a_rebuilt_suite_is_not_resumed_with_its_old_verdicts(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path], kept: str
) -> None:
    from fairclimb.errors import UserInputError

    samples = write_samples([{"task_id": "HumanEval/53", "completion": RIGHT_ADD}])
    out = tmp_path / "out"
    evaluate("humaneval", samples, out, OPTIONS, store)
    if kept == "store only":
        shutil.rmtree(out)
    rebuilt = dataclasses.replace(plan_evaluation("humaneval", samples, out, OPTIONS),
                                  suite=_rebuilt("humaneval", "HumanEval/53"))
    if kept == "run.json":  # as plan_evaluation sees it after `suites build` replaced it
        manifest = json.loads((out / "run.json").read_text())
        manifest["tasks_sha256"] = "0" * 64
        (out / "run.json").write_text(json.dumps(manifest))
        with pytest.raises(UserInputError, match="the suite humaneval has changed since"):
            plan_evaluation("humaneval", samples, out, OPTIONS)
        return
    with pytest.raises(UserInputError, match=r"the suite humaneval has changed since .*new --out"):
        run_plan(rebuilt, store)
    assert len(store.list_runs()) == 1
