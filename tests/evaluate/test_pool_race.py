"""The pool never blames a job on a checker that had already judged it."""

from __future__ import annotations

import time
from collections import deque

from fairclimb.evaluate._records import Status, Verdict
from fairclimb.evaluate.judge._pool import Job, Pool
from fairclimb.sandbox import Limits
from fairclimb.suites import Suite

RIGHT = "def add(x, y):\n    return x + y\n"


def test_verdicts_sent_before_a_checker_died_are_kept(humaneval: Suite) -> None:
    task = humaneval.get("HumanEval/53")
    assert task is not None
    verdicts: dict[int, Verdict] = {}
    with Pool(1, "auto", Limits(wall_s=2.0), {task.task_id: task}) as pool:
        checker = pool._checkers[0]
        pool._dispatch(deque([Job(0, task.task_id, RIGHT)]))
        # The verdict is in the pipe, not yet read; then the checker dies.
        assert checker.conn.poll(30)
        checker.process.kill()
        checker.process.join()
        pool._watch(lambda job, verdict: verdicts.__setitem__(job.key, verdict))
        assert not any(c is checker for c in pool._checkers)  # it was replaced
    assert verdicts[0].status is Status.PASSED, verdicts[0]


def test_a_verdict_is_matched_to_its_job_by_key(humaneval: Suite) -> None:
    task = humaneval.get("HumanEval/53")
    assert task is not None
    verdicts: dict[int, Verdict] = {}
    wrong = "def add(x, y):\n    return x - y\n"
    with Pool(1, "auto", Limits(wall_s=2.0), {task.task_id: task}) as pool:
        started = time.monotonic()
        pool.run([Job(0, task.task_id, RIGHT), Job(1, task.task_id, wrong)],
                 lambda job, verdict: verdicts.__setitem__(job.key, verdict))
        assert time.monotonic() - started < 60
    assert verdicts[0].status is Status.PASSED
    assert verdicts[1].status is Status.FAILED
