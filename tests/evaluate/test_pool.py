"""The checker pool: streaming jobs, and the watchdog for checkers that stop answering."""

from __future__ import annotations

import threading
import time

from fairclimb.evaluate._records import Status, Verdict
from fairclimb.evaluate.judge._pool import Job, JobQueue, Pool
from fairclimb.sandbox import Limits
from fairclimb.suites import Suite, Task

RIGHT = "def add(x, y):\n    return x + y\n"


def test_jobs_put_from_another_thread_are_checked_as_they_arrive(humaneval: Suite) -> None:
    task = humaneval.get("HumanEval/53")
    assert task is not None
    queue = JobQueue()
    verdicts: dict[int, tuple[Verdict, float]] = {}
    closed: list[float] = []

    def produce() -> None:
        for key in range(6):
            queue.put([Job(key, task.task_id, RIGHT + f"# {key}\n")])
            time.sleep(0.3)
        closed.append(time.monotonic())
        queue.close()

    with Pool(2, "auto", Limits(wall_s=2.0), {task.task_id: task}) as pool:
        producer = threading.Thread(target=produce)
        producer.start()
        pool.run(queue, lambda job, v: verdicts.__setitem__(job.key, (v, time.monotonic())))
        producer.join()
    queue.dispose()
    assert sorted(verdicts) == list(range(6))
    assert all(v.status is Status.PASSED for v, _ in verdicts.values())
    # The first verdict came before the producer finished: checking was pipelined.
    assert verdicts[0][1] < closed[0]


def test_a_checker_stuck_in_trusted_code_is_replaced() -> None:
    # A test whose trusted side spins inside one C call (sum over a huge range), which
    # no alarm can interrupt: only the watchdog can end it.
    stuck = Task(
        task_id="stuck/0", suite="stuck", prompt="def f(x):\n", entry_point="f",
        reference="    return x\n",
        tests="def check(candidate):\n    candidate(1)\n    sum(range(10**12))\n",
    )
    fine = Task(task_id="fine/0", suite="fine", prompt="def f(x):\n", entry_point="f",
                reference="    return x\n",
                tests="def check(candidate):\n    assert candidate(1) == 1\n")
    verdicts: dict[int, Verdict] = {}
    jobs = [Job(0, "stuck/0", "def f(x):\n    return x\n"),
            Job(1, "fine/0", "def f(x):\n    return x\n")]
    with Pool(1, "auto", Limits(wall_s=0.5), {t.task_id: t for t in (stuck, fine)},
              watchdog_slack_s=1.0) as pool:
        pool.run(jobs, lambda job, v: verdicts.__setitem__(job.key, v))
    assert verdicts[0].status is Status.TIMEOUT
    assert "did not finish in time" in verdicts[0].detail
    assert verdicts[1].status is Status.PASSED
