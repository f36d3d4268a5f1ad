"""The heavy runs of optimize tasks, as hostile samples attack them, on both backends:
nothing a sample sends there crashes the checker, and no score comes without a real
measurement."""

from __future__ import annotations

import os
import signal
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from fairclimb.evaluate._records import Status, Verdict
from fairclimb.evaluate.judge._checker import CompiledTask, check_program, compile_task
from fairclimb.evaluate.judge._efficiency import CostMeter, SpeedJudge
from fairclimb.sandbox import (
    Execution,
    ExitReport,
    Limits,
    Sandbox,
    bubblewrap_works,
    select_backend,
)
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
# Slow and right; on the heavy input it first leaves a directory chain deeper than a
# recursive clean-up can walk (which killed the zygote, whose stand-in report said the
# run cost nothing).
DEEP_CHAIN = SLOW + """
import os

_slow = dedupe

def dedupe(xs):
    if len(xs) >= 100:
        for _ in range(3000):
            os.mkdir("d")
            os.chdir("d")
    return _slow(xs)
"""
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


def _wait_dead(pid: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return
        except OSError:
            return
        time.sleep(0.01)
    raise AssertionError(f"the zygote {pid} did not die")


@pytest.mark.slow
def test_a_zygote_lost_after_the_answer_is_a_failed_measurement(
        judge: SpeedJudge, sandbox: Sandbox, compiled: CompiledTask,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The slow program answers the heavy call right; then, before its exit report (the
    # kernel's measure of its CPU) arrives, the zygote dies, as it did when a sample
    # broke its clean-up. The report that stands in for the lost one measured nothing.
    judge.reference_costs(compiled)
    verdict = check_program(sandbox, compiled, SLOW)
    assert verdict.passed, verdict
    real_finish = Execution.finish
    reports: list[ExitReport] = []

    def finish_after_the_zygote_died(execution: Execution) -> ExitReport:
        if not reports:
            meter_sandbox = judge.meter._sandbox
            assert meter_sandbox is not None
            zygote = meter_sandbox.zygote_pid()  # not bwrap's wrapper: the zygote itself
            assert zygote is not None
            os.kill(zygote, signal.SIGKILL)
            _wait_dead(zygote)
        reports.append(real_finish(execution))
        return reports[-1]

    monkeypatch.setattr(Execution, "finish", finish_after_the_zygote_died)
    judged = judge.judge(compiled, SLOW, verdict)
    monkeypatch.undo()
    assert not reports[0].measured  # the sandbox really lost it
    assert judged.status is Status.CRASHED, judged
    assert judged.speed_score is None and judged.cost is None
    assert "not measured" in judged.detail, judged
    # The meter starts a fresh zygote and measures the next sample.
    fast = _judged(judge, sandbox, compiled, FAST)
    assert fast.speed_score is not None, fast


@pytest.mark.slow
def test_a_sample_that_breaks_the_clean_up_gets_no_better_score(
        judge: SpeedJudge, sandbox: Sandbox, compiled: CompiledTask) -> None:
    verdict = _judged(judge, sandbox, compiled, DEEP_CHAIN)
    if verdict.speed_score is None:
        assert not verdict.passed, verdict
    else:
        assert verdict.speed_score < 0.3, verdict
    fast = _judged(judge, sandbox, compiled, FAST)
    assert fast.speed_score is not None, fast
