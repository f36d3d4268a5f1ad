"""What an evaluation may reveal of a suite's tasks.

Private tasks are evaluated like any other, but their tests never leave the trusted
side: a verdict's ``detail`` quotes the failing check (arguments, expected values),
so for a private task it is reduced to the status before it reaches ``results.jsonl``
or the store, unless the caller explicitly asks for it (``--include-private``). Its
times are a channel too (a sample can spend as long as an argument it saw says, and
read it back from the results), so they are withheld alike: CPU and wall seconds are
written as 0, and an optimize task's cost and speed score are left out of
``results.jsonl``. The store keeps those two (and only those), since the run's speed
aggregate is computed from them, in a fresh run and in a resumed one alike; they are
never shown one by one.
Webdev tasks have no automatic tests at all; evaluating them is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from fairclimb.errors import UserInputError
from fairclimb.evaluate._records import Verdict
from fairclimb.suites import Split, Task, TaskKind

__all__ = ["WEBDEV_NOTE", "is_withheld", "recorded", "refuse_untestable", "withheld"]

WEBDEV_NOTE = "webdev tasks have no automatic tests; they are judged by people in the arena"
_WITHHELD = "details withheld: private task"


def refuse_untestable(tasks: Iterable[Task]) -> None:
    """Raise the webdev note when any of *tasks* has no automatic tests."""
    if any(task.kind is TaskKind.WEBDEV for task in tasks):
        raise UserInputError(WEBDEV_NOTE)


def is_withheld(task: Task, include_private: bool) -> bool:
    """Whether the details of *task*'s verdicts are withheld."""
    return task.split is Split.PRIVATE and not include_private


def recorded(verdict: Verdict, task: Task, include_private: bool) -> Verdict:
    """*verdict* as a run keeps it (the store, the summary): withheld as it is shown,
    but with its cost and speed score, which the run's speed aggregate needs (a result
    whose task :func:`is_withheld` never writes them to ``results.jsonl``)."""
    shown = withheld(verdict, task, include_private)
    if shown is verdict:
        return verdict
    return replace(shown, cost=verdict.cost, cost_measure=verdict.cost_measure,
                   speed_score=verdict.speed_score)


def withheld(verdict: Verdict, task: Task, include_private: bool) -> Verdict:
    """*verdict* as it may be shown: a private task's detail reduced to its status, its
    times and cost withheld."""
    if not is_withheld(task, include_private):
        return verdict
    return replace(verdict, detail=f"{verdict.status.value} ({_WITHHELD})", cpu_s=0.0,
                   wall_s=0.0, cost=None, cost_measure="", speed_score=None)
