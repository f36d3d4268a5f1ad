"""What building a suite needs from whoever runs code: the ``Judge`` protocol.

Suites never run code (DESIGN.md). The builders and the adequacy gate only say which
programs to judge; a :class:`Judge` runs them (``fairclimb.evaluate.ProgramJudge`` does,
in the sandbox, with the run engine's checkers) and hands back verdicts, of which the
builders read no more than :class:`Judged` names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, Protocol

from fairclimb.suites._task import Task

__all__ = ["Judge", "Judged", "ProgressCallback", "VerdictCallback"]

#: told (done, total) as a build goes on
ProgressCallback = Callable[[int, int], None]
#: told the index of each program as its verdict arrives
VerdictCallback = Callable[[int], None]


class Judged(Protocol):
    """What a builder reads of one verdict."""

    @property
    def passed(self) -> bool: ...

    @property
    def status(self) -> StrEnum: ...

    @property
    def detail(self) -> str: ...

    @property
    def wall_s(self) -> float: ...


class Judge(Protocol):
    """Runs programs against tasks' trusted tests, never in the caller's process."""

    def prepare(self) -> None:
        """Get ready to judge (join a cluster, say), so that a judge that cannot be
        reached is said in one sentence before any costly work."""
        ...

    def run(self, programs: Sequence[tuple[Task, str]], *,
            on_verdict: VerdictCallback | None = None) -> Sequence[Judged]:
        """The verdict of each ``(task, program)`` pair's tests on its program, in order,
        judged by the tests alone (no cost measurement)."""
        ...

    def run_references_then_mutants(
        self, references: Sequence[tuple[Task, str]],
        mutants_of: Callable[[Sequence[Judged]], Sequence[tuple[Task, str]]], *,
        on_verdict: VerdictCallback | None = None,
    ) -> tuple[Sequence[Judged], Sequence[Judged], float]:
        """Judge the references, then the mutants *mutants_of* picks given their
        verdicts, under a short wall limit taken from the references' times. Returns
        both verdict lists and the mutants' wall limit in seconds."""
        ...

    def reference_answers(self, asked: Sequence[tuple[Task, Sequence[tuple[Any, ...]]]],
                          ) -> list[list[Any] | None]:
        """For each ``(task, calls)``, what the task's reference returns for each call's
        positional arguments, as plain data; None where it did not return for every
        call."""
        ...
