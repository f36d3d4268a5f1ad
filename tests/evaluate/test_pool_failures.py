"""Whatever fails while a checker judges a job is that job's verdict: a broken task is
an error of its samples, never a checker that dies and is restarted for each of them;
and what the pool itself writes in a detail is well-formed text."""

from __future__ import annotations

import logging

import pytest

from fairclimb.evaluate._records import Status, Verdict
from fairclimb.evaluate.judge._pool import Job, Pool
from fairclimb.sandbox import Limits
from fairclimb.suites import Task, TaskKind

LIMITS = Limits(wall_s=5.0, memory_bytes=256 << 20)
PROGRAM = "def f(x):\n    return x\n"
FINE = Task(task_id="fine/0", suite="fine", prompt="def f(x):\n", entry_point="f",
            reference="    return x\n",
            tests="def check(candidate):\n    assert candidate(1) == 1\n")
BROKEN = {
    "raises": "raise RuntimeError('the suite is broken')\ndef check(candidate):\n    pass\n",
    "syntax": "def check(candidate)\n    pass\n",
    "no-check": "def verify(candidate):\n    pass\n",
    "exits": "import sys\nsys.exit(3)\n",
}


def _judge(tasks: list[Task], jobs: list[Job]) -> dict[int, Verdict]:
    verdicts: dict[int, Verdict] = {}
    with Pool(1, "auto", LIMITS, {t.task_id: t for t in tasks}) as pool:
        pool.run(jobs, lambda job, verdict: verdicts.__setitem__(job.key, verdict))
    return verdicts


@pytest.mark.parametrize("tests", BROKEN.values(), ids=BROKEN.keys())
def test_a_task_whose_tests_cannot_be_compiled_is_an_error_of_its_jobs(
    tests: str, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Task(task_id="broken/0", suite="broken", prompt="def f(x):\n", entry_point="f",
                  reference="    return x\n", tests=tests)
    jobs = [Job(0, "broken/0", PROGRAM), Job(1, "fine/0", PROGRAM),
            Job(2, "broken/0", PROGRAM + "# another\n")]
    with caplog.at_level(logging.WARNING, logger="fairclimb.evaluate.judge._pool"):
        verdicts = _judge([broken, FINE], jobs)
    assert verdicts[1].status is Status.PASSED
    for key in (0, 2):
        assert verdicts[key].status is Status.CRASHED
        assert "the tests of broken/0 cannot be compiled" in verdicts[key].detail
    assert "starting a new checker" not in caplog.text  # the checker never died


BAD_TEXT = "\udcff\x00"
HEAVY_RAISES = f"def heavy(rng):\n    raise ValueError({BAD_TEXT!r})\n"


def test_the_pools_own_details_are_well_formed() -> None:
    # A perf_input whose exception message holds a lone surrogate and NUL: the
    # MeasurementError detail quotes it, and no writer would take it as it is.
    task = Task(task_id="opt/0", suite="opt", prompt="", entry_point="f",
                reference=PROGRAM, reference_whole=True, kind=TaskKind.OPTIMIZE,
                tests="def check(candidate):\n    assert candidate(1) == 1\n",
                slow_reference=PROGRAM, perf_input=HEAVY_RAISES)
    verdicts = _judge([task], [Job(0, "opt/0", PROGRAM)])
    detail = verdicts[0].detail
    assert verdicts[0].status is Status.CRASHED and "cannot measure the cost" in detail
    detail.encode("utf-8")  # strict: a lone surrogate raises here
    assert "\x00" not in detail and "\ufffd" in detail
