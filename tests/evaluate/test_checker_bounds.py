"""A program in the sandbox that answers with a hostile frame (tens of millions of
values, under the frame limit) gets a verdict, and the checker's memory stays small,
on both backends: the codec refuses the frame before parsing it."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import pytest

from fairclimb.evaluate._records import Status
from fairclimb.evaluate.judge._checker import check_program, compile_task
from fairclimb.sandbox import Limits, Sandbox, bubblewrap_works, select_backend
from fairclimb.suites import Task

MIB = 1 << 20

# -- from a real sandbox ------------------------------------------------------------

LIMITS = Limits(wall_s=10.0, memory_bytes=512 << 20)
TASK = Task(task_id="test-bounds/f", suite="test-bounds", prompt="", entry_point="f",
            reference="def f():\n    return 1\n",
            tests="def check(candidate):\n    assert candidate() == 1\n", reference_whole=True)
# Writes its own answer frame: 60 MB of "[]," (20 million lists once parsed), under the
# 64 MiB frame limit, then waits to be killed.
RAW_FRAME = """
import socket, struct, time

def f():
    body = b'["return",1,[' + b'[],' * 20_000_000 + b'[]]]'
    channel = socket.socket(fileno=3)
    channel.sendall(struct.pack('>I', len(body)) + body)
    time.sleep(60)
"""
# An honest program whose answer is too large: told so by the codec in the sandbox.
TOO_LARGE = "def f():\n    return [[] for _ in range(3_000_000)]\n"


@pytest.fixture(scope="module", params=["bwrap", "rlimits"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    if request.param == "bwrap" and not bubblewrap_works():
        pytest.skip("bubblewrap is missing or cannot create namespaces here")
    with Sandbox(select_backend(request.param), LIMITS) as started:
        yield started


@pytest.mark.slow
@pytest.mark.parametrize(("program", "phrase"), [
    (RAW_FRAME, "invalid answer"), (TOO_LARGE, "too large")])
def test_a_huge_answer_is_a_verdict_and_costs_the_checker_little(
        sandbox: Sandbox, program: str, phrase: str) -> None:
    compiled = compile_task(TASK)
    tracemalloc.start()
    try:
        verdict = check_program(sandbox, compiled, program)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert verdict.status is Status.FAILED, verdict
    assert phrase in verdict.detail, verdict
    # The frame itself is held once (64 MiB at most); nothing is built from it.
    assert peak < 200 * MIB, peak
