"""Optimize tasks: cost measured from the trusted side, and the speed score built on it.

The sandbox tests run real bubblewrap sandboxes on a small task whose heavy input takes
the slow reference some tens of milliseconds, so that each test stays within seconds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from fairclimb.evaluate import EvalOptions, evaluate, plan_evaluation
from fairclimb.evaluate._records import Status, Verdict
from fairclimb.evaluate.judge._checker import CompiledTask, check_program, compile_task
from fairclimb.evaluate.judge._efficiency import (
    COST_FLOOR_S,
    CostMeter,
    SpeedJudge,
    speed_score,
    summarize_speed,
)
from fairclimb.sandbox import Limits, Sandbox, bubblewrap_works, select_backend
from fairclimb.store import Store
from fairclimb.suites import Task, TaskKind, get_suite

SLOW = """
def dedupe(xs):
    out = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out
"""
FAST = """
def dedupe(xs):
    return list(dict.fromkeys(xs))
"""
TESTS = """
def check(candidate):
    assert candidate([]) == []
    assert candidate([3, 3]) == [3]
    assert candidate([2, 1, 2, 3, 1]) == [2, 1, 3]
"""
HEAVY = """
def heavy():
    return (list(range(2500)) * 2,)
"""
LIMITS = Limits(wall_s=5.0, memory_bytes=256 << 20)

TASK = Task(
    task_id="test-optimize/dedupe", suite="test-optimize", prompt="make dedupe fast",
    entry_point="dedupe", reference=FAST, tests=TESTS, kind=TaskKind.OPTIMIZE,
    reference_whole=True, slow_reference=SLOW, perf_input=HEAVY,
)

# Programs that try to look cheaper than the work they do. Each does the slow
# reference's work somewhere the measurement might not see, or lies about time.
CHEATS = {
    "work in a thread": """
import threading

def dedupe(xs):
    box = []
    def work():
        out = []
        for x in xs:
            if x not in out:
                out.append(x)
        box.append(out)
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return box[0]
""",
    "work in a forked child": """
import json, os

def dedupe(xs):
    read, write = os.pipe()
    if os.fork() == 0:
        out = []
        for x in xs:
            if x not in out:
                out.append(x)
        os.write(write, json.dumps(out).encode())
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.wait()
    return json.loads(data)
""",
    "busy child left running": """
import os

def dedupe(xs):
    try:
        if os.fork() == 0:
            while True:
                pass
    except OSError:
        pass
    out = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out
""",
    "patched clocks": """
import os, resource, time

time.process_time = lambda: 0.0
time.perf_counter = lambda: 0.0
time.monotonic = lambda: 0.0
resource.getrusage = lambda who: None
os.times = lambda: None

def dedupe(xs):
    out = []
    for x in xs:
        if x not in out:
            out.append(x)
    print("cpu_s 0.0001")
    return out
""",
    "sleeps": """
import time

def dedupe(xs):
    time.sleep(0.05)
    out = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out
""",
    "wrong on large inputs": """
def dedupe(xs):
    if len(xs) > 1000:
        return xs[:10]
    return list(dict.fromkeys(xs))
""",
}


# -- the score ------------------------------------------------------------------------

@pytest.mark.parametrize(("cost", "expected"), [
    (10.0, 0.0), (0.1, 1.0), (1.0, 0.5), (0.01, 1.5), (100.0, -0.5),
])
def test_speed_score_is_log_linear_between_the_references(cost: float, expected: float) -> None:
    assert speed_score(cost, slow=10.0, fast=0.1) == pytest.approx(expected)


def test_costs_below_the_floor_count_as_the_floor() -> None:
    assert speed_score(0.0, slow=1.0, fast=COST_FLOOR_S) == pytest.approx(1.0)
    assert math.isfinite(speed_score(-1.0, slow=1.0, fast=0.01))


def test_a_task_whose_references_do_not_rank_cannot_score() -> None:
    with pytest.raises(ValueError, match="not slower"):
        speed_score(0.5, slow=0.1, fast=0.2)


def test_speed_summary_averages_tasks_then_bootstraps() -> None:
    rows = [("a", 1.0, "cpu_time"), ("a", 0.0, "cpu_time"), ("b", 1.0, "cpu_time")]
    summary = summarize_speed(rows, rounds=200, rng=np.random.default_rng(0))
    assert summary is not None
    assert summary.mean == pytest.approx(0.75)  # task a: 0.5, task b: 1.0
    assert summary.lower <= summary.mean <= summary.upper
    assert (summary.tasks, summary.samples, summary.measure) == (2, 3, "cpu_time")
    assert summarize_speed([], rounds=10, rng=np.random.default_rng(0)) is None


# -- measured in the real sandbox --------------------------------------------------------

@pytest.fixture(scope="module")
def compiled() -> CompiledTask:
    return compile_task(TASK)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    if not bubblewrap_works():
        pytest.skip("bubblewrap is missing or cannot create namespaces here")
    with Sandbox(select_backend("bwrap"), LIMITS) as started:
        yield started


@pytest.fixture(scope="module")
def judge(sandbox: Sandbox) -> Iterator[SpeedJudge]:
    meter = CostMeter("bwrap", LIMITS, runs=3)
    yield SpeedJudge(meter)
    meter.close()


def _judged(judge: SpeedJudge, sandbox: Sandbox, compiled: CompiledTask,
            program: str) -> Verdict:
    return judge.judge(compiled, program, check_program(sandbox, compiled, program))


def test_the_references_are_measured_and_far_apart(judge: SpeedJudge,
                                                   compiled: CompiledTask) -> None:
    costs = judge.reference_costs(compiled)
    assert costs.measure == "cpu_time"
    assert costs.slow > 5 * costs.fast


def test_fast_scores_near_one_slow_near_zero(judge: SpeedJudge, sandbox: Sandbox,
                                            compiled: CompiledTask) -> None:
    fast = _judged(judge, sandbox, compiled, FAST)
    slow = _judged(judge, sandbox, compiled, SLOW)
    assert fast.passed and slow.passed
    assert fast.cost_measure == slow.cost_measure == "cpu_time"
    assert fast.speed_score is not None and slow.speed_score is not None
    assert fast.speed_score == pytest.approx(1.0, abs=0.3)
    assert slow.speed_score == pytest.approx(0.0, abs=0.3)
    assert fast.cost is not None and slow.cost is not None and fast.cost < slow.cost


def test_an_incorrect_program_gets_no_speed_score(judge: SpeedJudge, sandbox: Sandbox,
                                                  compiled: CompiledTask) -> None:
    verdict = _judged(judge, sandbox, compiled, "def dedupe(xs):\n    return sorted(set(xs))\n")
    assert verdict.status is Status.FAILED
    assert verdict.speed_score is None and verdict.cost is None


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_tricks_score_no_better_than_honest_slow_work(name: str, judge: SpeedJudge,
                                                      sandbox: Sandbox,
                                                      compiled: CompiledTask) -> None:
    verdict = _judged(judge, sandbox, compiled, CHEATS[name])
    if verdict.speed_score is None:
        assert not verdict.passed, verdict  # no score only ever comes with a failure
        return
    assert verdict.speed_score < 0.3, verdict


@pytest.mark.slow
def test_the_references_rank_the_same_on_ten_runs(sandbox: Sandbox,
                                                  compiled: CompiledTask) -> None:
    # A fresh judge, so the references' own costs are measured anew as well.
    meter = CostMeter("bwrap", LIMITS, runs=2)
    judge = SpeedJudge(meter)
    for _ in range(10):
        slow = _judged(judge, sandbox, compiled, SLOW).speed_score
        fast = _judged(judge, sandbox, compiled, FAST).speed_score
        assert slow is not None and fast is not None
        assert slow < fast
    meter.close()


# -- end to end on the shipped suite ---------------------------------------------------

@pytest.mark.slow
def test_an_optimize_run_reports_cost_and_speed_score(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path]
) -> None:
    if not bubblewrap_works():
        pytest.skip("bubblewrap is missing or cannot create namespaces here")
    task = get_suite("fairclimb-optimize").get("fairclimb-optimize/window-sums")
    assert task is not None
    rows = [
        {"task_id": task.task_id, "solution": task.reference, "mine": "fast"},
        {"task_id": task.task_id, "solution": "def window_sums(xs, k):\n    return [0]\n",
         "mine": "wrong"},
    ]
    options = EvalOptions(workers=1, limits=LIMITS, bootstrap_rounds=100, perf_runs=2)
    out = tmp_path / "out"
    outcome = evaluate(plan_evaluation("fairclimb-optimize", write_samples(rows), out, options),
                       store)
    fast, wrong = (json.loads(line) for line in (out / "results.jsonl").read_text().splitlines())
    assert fast["passed"] and fast["cost_measure"] == "cpu_time" and fast["cost"] > 0
    assert fast["speed_score"] == pytest.approx(1.0, abs=0.35)
    assert not wrong["passed"] and "speed_score" not in wrong
    speed = json.loads((out / "summary.json").read_text())["speed_score"]
    assert (speed["tasks"], speed["samples"], speed["measure"]) == (1, 1, "cpu_time")
    assert outcome.summary.speed is not None
    assert outcome.summary.speed.mean == pytest.approx(fast["speed_score"])
    # A rerun resumes from results.jsonl and reports the same speed score.
    again = evaluate(plan_evaluation("fairclimb-optimize", write_samples(rows), out, options),
                     store)
    assert again.resumed == 2 and again.summary.speed == outcome.summary.speed
