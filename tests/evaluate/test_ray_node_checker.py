"""The Ray node's actor, as a plain object on this machine (no cluster): batches that
arrive in any order are all judged (issue 17)."""

from __future__ import annotations

import threading
import time

from fairclimb.evaluate.judge._checkers import checkers
from fairclimb.evaluate.judge._pool import Job
from fairclimb.evaluate.judge._ray_pool import NodeChecker, NodeSpec
from fairclimb.sandbox import Limits
from fairclimb.suites import Suite


def test_a_batch_that_overtakes_the_one_carrying_its_task_waits_for_it(
        humaneval: Suite) -> None:
    # The driver sends a task with the first batch that needs it only; the actor runs
    # its calls in threads, so a later batch can reach the pool first.
    task = humaneval.tasks[0]
    node = NodeChecker(NodeSpec("auto", Limits(wall_s=5.0), None, 0, 1, checkers), workers=1)
    node.start()
    try:
        answers: dict[str, object] = {}

        def call(name: str, tasks: list, jobs: list[Job]) -> None:  # type: ignore[type-arg]
            try:
                answers[name] = node.check(tasks, jobs)
            except Exception as exc:  # what the driver would get back
                answers[name] = exc

        late = threading.Thread(target=call, args=(
            "without-task", [], [Job(1, task.task_id, task.reference_program + "\n#1")]))
        late.start()
        time.sleep(0.5)
        call("with-task", [task], [Job(0, task.task_id, task.reference_program)])
        late.join(timeout=60)
        assert [(k, [v.status.value for _, v in answers[k]]) for k in sorted(answers)
                if isinstance(answers[k], list)] == [("with-task", ["passed"]),
                                                    ("without-task", ["passed"])], answers
    finally:
        node.close()
