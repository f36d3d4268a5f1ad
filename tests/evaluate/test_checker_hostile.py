"""Hostile values never kill the trusted checker: whatever judging a sample raises
becomes that sample's verdict, on both sandbox backends and through the pool."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import pytest

from fairclimb.evaluate._records import Status, Verdict
from fairclimb.evaluate.judge._checker import _repr, check_program, compile_task
from fairclimb.evaluate.judge._pool import Job, Pool
from fairclimb.sandbox import Limits, Sandbox, bubblewrap_works, select_backend
from fairclimb.suites import Task

LIMITS = Limits(wall_s=5.0, memory_bytes=256 << 20)
HUGE = "def f(*args):\n    return 10 ** 90000\n"


def _task(tests: str, name: str = "t") -> Task:
    return Task(task_id=f"test-hostile/{name}", suite="test-hostile", prompt="",
                entry_point="f", reference="def f(*args):\n    return 1\n", tests=tests,
                reference_whole=True)


TASKS = {
    # The failure detail quotes the returned value: int-to-str refuses 90,000 digits.
    "assert": _task("def check(candidate):\n    assert candidate() == 1\n", "assert"),
    # The check raises an exception whose message holds the value (KeyError's repr).
    "key": _task("def check(candidate):\n    {}[candidate()]\n", "key"),
    # The check formats the value itself, and that raises inside the check.
    "format": _task("def check(candidate):\n    assert candidate() == 1, str(candidate())\n",
                    "format"),
    # A check whose own exception cannot even be turned into text.
    "unprintable": _task(
        "class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\n\n"
        "def check(candidate):\n    candidate()\n    raise Odd()\n", "unprintable"),
    # An error raised by the candidate carrying a huge message, called with huge args.
    "huge-call": _task("def check(candidate):\n    assert candidate(10 ** 90000) == 1\n",
                       "huge-call"),
}


@pytest.fixture(scope="module", params=["bwrap", "rlimits"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    if request.param == "bwrap" and not bubblewrap_works():
        pytest.skip("bubblewrap is missing or cannot create namespaces here")
    with Sandbox(select_backend(request.param), LIMITS) as started:
        yield started


@pytest.mark.parametrize("name", sorted(TASKS))
def test_a_hostile_value_becomes_the_samples_verdict(sandbox: Sandbox, name: str) -> None:
    verdict = check_program(sandbox, compile_task(TASKS[name]), HUGE)
    assert verdict.status is Status.FAILED, verdict
    assert verdict.detail and len(verdict.detail) <= 500
    # The sandbox is still usable: the next sample is judged normally.
    good = check_program(sandbox, compile_task(TASKS["assert"]), "def f(*a):\n    return 1\n")
    assert good.status is Status.PASSED, good


def test_a_huge_value_is_described_not_printed(sandbox: Sandbox) -> None:
    verdict = check_program(sandbox, compile_task(TASKS["assert"]), HUGE)
    assert verdict.detail.endswith("after f(); it returned <int of about 90001 digits>")


@pytest.mark.parametrize("value", [
    b"\x00" * (40 << 20), bytearray(b"\xff" * (40 << 20)), "x" * (40 << 20),
    [b"\x01" * (8 << 20)] * 4, 10 ** 5000, -(10 ** 5000)],
    ids=["bytes", "bytearray", "str", "list of bytes", "int", "negative int"])
def test_describing_a_huge_value_costs_little(value: object) -> None:
    tracemalloc.start()
    try:
        text = _repr.repr(value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(text) <= 1000  # bounded whatever the size of the value
    assert peak < 1 << 20, peak  # never the value's full repr, which is 4x its size


@pytest.mark.slow
def test_the_pool_judges_every_hostile_sample_without_losing_its_checker() -> None:
    tasks = {task.task_id: task for task in TASKS.values()}
    jobs = [Job(key=i, task_id=task.task_id, program=program)
            for i, (task, program) in enumerate(
                [(t, HUGE) for t in TASKS.values()]
                + [(TASKS["assert"], "def f(*a):\n    return 1\n")])]
    verdicts: dict[int, Verdict] = {}
    with Pool(1, "rlimits", LIMITS, tasks, perf_runs=1) as pool:
        pool.run(jobs, lambda job, verdict: verdicts.__setitem__(job.key, verdict))
        checker = pool._checkers[0].process.pid
        statuses = [verdicts[i].status for i in range(len(jobs))]
        assert statuses == [Status.FAILED] * len(TASKS) + [Status.PASSED], verdicts
        # One checker judged them all: none died (a death re-measures optimize references).
        assert pool._checkers[0].process.pid == checker
        assert all("died" not in v.detail for v in verdicts.values())
