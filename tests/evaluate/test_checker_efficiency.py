"""The heavy runs of optimize tasks, as hostile samples attack them, on both backends:
nothing a sample sends there crashes the checker, and no score comes without a real
measurement."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import pytest

from fairclimb.evaluate._checker import CompiledTask, check_program, compile_task
from fairclimb.evaluate._efficiency import CostMeter, SpeedJudge
from fairclimb.evaluate._records import Verdict
from fairclimb.sandbox import Limits, Sandbox, bubblewrap_works, select_backend
from fairclimb.suites import Task, TaskKind

LIMITS = Limits(wall_s=5.0, memory_bytes=512 << 20)
SLOW = """
def dedupe(xs):
    out = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out
"""
FAST = "def dedupe(xs):\n    return list(dict.fromkeys(xs))\n"
TASK = Task(
    task_id="test-heavy/dedupe", suite="test-heavy", prompt="make dedupe fast",
    entry_point="dedupe", reference=FAST, kind=TaskKind.OPTIMIZE, reference_whole=True,
    slow_reference=SLOW, perf_input="def heavy():\n    return (list(range(2500)) * 2,)\n",
    tests="def check(candidate):\n    assert candidate([2, 1, 2]) == [2, 1]\n")
# Right on the tests; on the heavy input it answers with a raw frame of 20 million
# empty lists (60 MB, under the frame limit) that the checker would have built.
HUGE_FRAME = """
import socket, struct, time

def dedupe(xs):
    if len(xs) < 100:
        return list(dict.fromkeys(xs))
    body = b'["return",1,[' + b'[],' * 20_000_000 + b'[]]]'
    socket.socket(fileno=3).sendall(struct.pack('>I', len(body)) + body)
    time.sleep(60)
"""


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


@pytest.fixture(scope="module")
def compiled() -> CompiledTask:
    return compile_task(TASK)


def _judged(judge: SpeedJudge, sandbox: Sandbox, compiled: CompiledTask,
            program: str) -> Verdict:
    verdict = check_program(sandbox, compiled, program)
    assert verdict.passed, verdict
    return judge.judge(compiled, program, verdict)


@pytest.mark.slow
def test_a_huge_answer_on_the_heavy_input_is_a_verdict(
        judge: SpeedJudge, sandbox: Sandbox, compiled: CompiledTask) -> None:
    judge.reference_costs(compiled)  # measured before memory is traced
    tracemalloc.start()
    try:
        verdict = _judged(judge, sandbox, compiled, HUGE_FRAME)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 << 20, peak  # the frame once at most; nothing built from it
    assert not verdict.passed and verdict.speed_score is None and verdict.cost is None
    assert "performance input" in verdict.detail, verdict
    # The meter's sandbox still measures the next sample.
    fast = _judged(judge, sandbox, compiled, FAST)
    assert fast.speed_score is not None, fast
