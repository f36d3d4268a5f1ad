"""What an evaluation may reveal of a suite's tasks.

Private tasks are evaluated like any other, but their tests never leave the trusted
side: a verdict's ``detail`` quotes the failing check (arguments, expected values),
so for a private task it is reduced to the status before it reaches ``results.jsonl``
or the store, unless the caller explicitly asks for it (``--include-private``). Its
times are a channel too (a sample can spend as long as an argument it saw says, and
read it back from the results), so they are withheld alike: CPU and wall seconds are
written as 0, and an optimize task's cost and speed score are left out.
Webdev tasks have no automatic tests at all; evaluating them is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from fairclimb.errors import UserInputError
from fairclimb.evaluate._records import Verdict
from fairclimb.suites import Split, Task, TaskKind

__all__ = ["WEBDEV_NOTE", "refuse_untestable", "withheld"]

WEBDEV_NOTE = "webdev tasks have no automatic tests; they are judged by people in the arena"
_WITHHELD = "details withheld: private task"


def refuse_untestable(tasks: Iterable[Task]) -> None:
    """Raise the webdev note when any of *tasks* has no automatic tests."""
    if any(task.kind is TaskKind.WEBDEV for task in tasks):
        raise UserInputError(WEBDEV_NOTE)


def withheld(verdict: Verdict, task: Task, include_private: bool) -> Verdict:
    """*verdict* as it may be written down: a private task's detail reduced to its
    status, its times and cost withheld."""
    if task.split is not Split.PRIVATE or include_private:
        return verdict
    return replace(verdict, detail=f"{verdict.status.value} ({_WITHHELD})", cpu_s=0.0,
                   wall_s=0.0, cost=None, cost_measure="", speed_score=None)
