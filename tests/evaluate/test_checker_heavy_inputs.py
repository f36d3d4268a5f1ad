"""The measured input of an optimize task is drawn per run from a trusted seeded
generator: no one knows it in advance, so an answer learnt by heart is worth nothing,
and a run's inputs can be rebuilt from the seeds its verdicts name."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from fairclimb.evaluate.judge._checker import CompiledTask, check_program, compile_task
from fairclimb.evaluate.judge._efficiency import CostMeter, SpeedJudge, build_heavy_input, task_seed
from fairclimb.sandbox import Limits, Sandbox, bubblewrap_works, select_backend
from fairclimb.suites import Suite, Task, get_suite, task_to_fields

LIMITS = Limits(wall_s=5.0, memory_bytes=512 << 20)


@pytest.fixture(scope="module")
def optimize() -> Suite:
    return get_suite("fairclimb-optimize")


def _tasks() -> list[Task]:
    return list(get_suite("fairclimb-optimize").tasks)


@pytest.mark.parametrize("task", _tasks(), ids=lambda task: task.task_id.split("/")[1])
def test_every_heavy_input_is_drawn_from_its_seed(task: Task) -> None:
    compiled = compile_task(task)
    first, again = build_heavy_input(compiled, 11), build_heavy_input(compiled, 11)
    other = build_heavy_input(compiled, 12)
    assert first.seed == 11 and other.seed == 12
    assert first.args == again.args and first.expected == again.expected  # reproducible
    assert first.args != other.args  # but not fixed
    # What `suites show` prints of the task does not hold the measured input.
    shown = json.dumps(task_to_fields(task))
    assert json.dumps(list(first.args))[:60] not in shown


def test_the_seed_of_each_task_differs_and_is_reproducible() -> None:
    seeds = {task_seed(7, f"t/{i}") for i in range(100)}
    assert len(seeds) == 100 and task_seed(7, "t/1") == task_seed(7, "t/1")
    assert all(0 <= seed < 1 << 63 for seed in seeds)
    assert SpeedJudge(CostMeter("rlimits", LIMITS)).seed != SpeedJudge(
        CostMeter("rlimits", LIMITS)).seed


# The heavy inputs as they were published before they were drawn per run; a sample that
# learnt their answers by heart, and is slow otherwise, must gain nothing from it.
TODAY = {
    "fairclimb-optimize/count-primes": "(120000,)",
    "fairclimb-optimize/two-sum-indices": "(list(range(0, 6000, 2)), -1)",
    "fairclimb-optimize/window-sums": (
        "(lambda rng: ([rng.randrange(-1000, 1000) for _ in range(6000)], 1000))"
        "(__import__('random').Random(21))"),
}


def _by_heart(task: Task) -> str:
    """The slow reference, preceded by today's heavy answer for today's heavy input."""
    namespace = compile_task(task).namespace
    args = eval(TODAY[task.task_id], {})  # a constant of this test
    answer = namespace[task.entry_point](*args)
    slow = task.slow_reference
    name = re.search(r"def (\w+)\(", slow)
    assert name is not None
    return (f"_ARGS = {args!r}\n_ANSWER = {answer!r}\n"
            + slow.replace(f"def {name.group(1)}(", f"def _slow_{name.group(1)}(", 1)
            + f"\ndef {task.entry_point}(*args):\n"
            f"    if args == _ARGS:\n        return _ANSWER\n"
            f"    return _slow_{name.group(1)}(*args)\n")


@pytest.fixture(scope="module", params=["bwrap", "rlimits"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "bwrap" and not bubblewrap_works():
        pytest.skip("bubblewrap is missing or cannot create namespaces here")
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def sandbox(backend: str) -> Iterator[Sandbox]:
    with Sandbox(select_backend(backend), LIMITS) as started:
        yield started


@pytest.fixture(scope="module")
def judge(backend: str) -> Iterator[SpeedJudge]:
    meter = CostMeter(backend, LIMITS, runs=2)
    yield SpeedJudge(meter)
    meter.close()


@pytest.mark.slow
@pytest.mark.parametrize("task_id", sorted(TODAY))
def test_an_answer_learnt_by_heart_scores_like_the_slow_program(
        task_id: str, optimize: Suite, sandbox: Sandbox, judge: SpeedJudge) -> None:
    task = optimize.get(task_id)
    assert task is not None
    compiled: CompiledTask = compile_task(task)
    program = _by_heart(task)
    verdict = check_program(sandbox, compiled, program)
    assert verdict.passed, verdict
    verdict = judge.judge(compiled, program, verdict)
    if verdict.speed_score is None:
        assert not verdict.passed, verdict
    else:
        assert verdict.speed_score < 0.3, verdict
    assert "performance input seed" in verdict.detail, verdict
