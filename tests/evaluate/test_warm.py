"""Checkers started before the samples are read: used when they fit the run, stopped
whatever happens, never used when they would judge differently."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fairclimb.errors import UserInputError
from fairclimb.evaluate import EvalOptions, WarmCheckers, evaluate, plan_evaluation
from fairclimb.evaluate.judge._pool import Pool
from fairclimb.sandbox import Limits
from fairclimb.store import Store
from fairclimb.suites import Suite, get_suite

OPTIONS = EvalOptions(workers=2, limits=Limits(wall_s=2.0), bootstrap_rounds=50)
ROWS: list[dict[str, object]] = [
    {"task_id": "HumanEval/53", "completion": "    return x + y\n"},
    {"task_id": "HumanEval/53", "completion": "    return x - y\n"},
    {"task_id": "HumanEval/0", "completion": "    while True: pass\n"},
    {"task_id": "HumanEval/53", "solution": "import os\ndef add(x, y):\n    os._exit(0)\n"},
]
STATUSES = ["passed", "failed", "timeout", "error"]


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every checker process started, in order."""
    started: list[Any] = []
    spawn = Pool._spawn

    def counting(self: Pool) -> Any:
        checker = spawn(self)
        started.append(checker.process)
        return checker

    monkeypatch.setattr(Pool, "_spawn", counting)
    return started


def _statuses(out: Path) -> list[str]:
    lines = (out / "results.jsonl").read_text().splitlines()
    return [json.loads(line)["status"] for line in lines]


def test_warm_checkers_judge_the_run_and_no_others_start(
    tmp_path: Path, store: Store, humaneval: Suite, spawned: list[Any],
    write_samples: Callable[..., Path],
) -> None:
    with WarmCheckers(humaneval, OPTIONS) as warm:
        assert warm.started and len(spawned) == OPTIONS.workers
        plan = plan_evaluation(humaneval, write_samples(ROWS), tmp_path / "out", OPTIONS)
        outcome = evaluate(plan, store, warm=warm)
    assert _statuses(tmp_path / "out") == STATUSES
    assert outcome.summary.statuses["passed"] == 1
    assert len(spawned) == OPTIONS.workers  # the engine started none of its own
    assert not any(process.is_alive() for process in spawned)


def test_bad_input_found_while_they_start_stops_them(
    tmp_path: Path, humaneval: Suite, spawned: list[Any],
    write_samples: Callable[..., Path],
) -> None:
    bad = write_samples([{"task_id": "HumanEval/99999", "completion": "x"}])
    with pytest.raises(UserInputError), WarmCheckers(humaneval, OPTIONS):
        plan_evaluation(humaneval, bad, tmp_path / "out", OPTIONS)
    assert len(spawned) == OPTIONS.workers
    assert not any(process.is_alive() for process in spawned)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("change", [
    {"limits": Limits(wall_s=3.0)},
    {"sandbox": "rlimits"},
    {"perf_runs": 2},
])
def test_checkers_started_for_other_options_are_not_used(
    tmp_path: Path, store: Store, humaneval: Suite, spawned: list[Any],
    write_samples: Callable[..., Path], change: dict[str, Any],
) -> None:
    options = dataclasses.replace(OPTIONS, **change)
    with WarmCheckers(humaneval, OPTIONS) as warm:
        plan = plan_evaluation(humaneval, write_samples(ROWS), tmp_path / "out", options)
        evaluate(plan, store, warm=warm)
    assert _statuses(tmp_path / "out") == STATUSES
    assert len(spawned) == 2 * OPTIONS.workers  # the run's own checkers judged it
    assert not any(process.is_alive() for process in spawned)


def test_nothing_starts_for_a_suite_with_optimize_tasks(spawned: list[Any]) -> None:
    suite = get_suite("fairclimb-optimize")
    with WarmCheckers(suite, OPTIONS) as warm:
        assert not warm.started
    assert spawned == []


def test_checkers_started_before_the_suite_is_known_judge_its_run(
    tmp_path: Path, store: Store, humaneval: Suite, spawned: list[Any],
    write_samples: Callable[..., Path],
) -> None:
    """``fairclimb eval`` starts them before it imports the store: the run's suite
    becomes theirs, and the verdicts are the run's own checkers'."""
    with WarmCheckers(None, OPTIONS) as warm:
        assert warm.started and len(spawned) == OPTIONS.workers
        plan = plan_evaluation(humaneval, write_samples(ROWS), tmp_path / "out", OPTIONS)
        outcome = evaluate(plan, store, warm=warm)
    assert _statuses(tmp_path / "out") == STATUSES
    assert outcome.summary.statuses["passed"] == 1
    assert len(spawned) == OPTIONS.workers  # the engine started none of its own
    assert not any(process.is_alive() for process in spawned)


def test_checkers_started_before_an_optimize_suite_is_known_are_not_used(
    spawned: list[Any],
) -> None:
    suite = get_suite("fairclimb-optimize")
    with WarmCheckers(None, OPTIONS) as warm:
        assert warm.started
        assert warm.fitting(suite, OPTIONS, None) is None  # the run seeds its own
    assert not any(process.is_alive() for process in spawned)
