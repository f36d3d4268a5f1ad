"""What the sandbox reports: how loading went, what each call gave, how a sample ended.

Data only: the trusted side turns these into verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fairclimb.errors import SandboxError

__all__ = ["CallKind", "CallResult", "ExitReport", "LoadResult"]


class CallKind(StrEnum):
    RETURNED = "returned"
    RAISED = "raised"
    UNENCODABLE = "unencodable"  # the candidate returned something that is not plain data
    TIMED_OUT = "timed_out"
    DIED = "died"  # the child went away (exit, signal, closed its channel)
    PROTOCOL = "protocol"  # the child sent something that is not a valid answer


@dataclass(frozen=True, slots=True)
class CallResult:
    kind: CallKind
    value: Any = None
    error_type: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Whether the program loaded and exposes the entry point.

    ``status`` is the zygote's classification when it did not: ``invalid`` (syntax
    error, no such function), ``error`` or ``memory`` (raised while loading); empty
    when the child died or timed out instead, which :class:`ExitReport` explains.
    """

    ok: bool
    timed_out: bool = False
    status: str = ""
    error_type: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class ExitReport:
    """How the sample's process ended, after everything it started was killed.

    ``cpu_time`` is the CPU of the sample's whole process tree as the zygote reaped it
    (``wait4`` of the child and of every leftover), or None when no such measurement
    exists: the zygote was lost, and this report stands in for the one it never sent.
    Such a report is ``measured == False``, and reading :attr:`cpu_s` from it raises
    :class:`SandboxError`, so no cost can be taken from it by accident.
    """

    exit_code: int | None
    killed_for: str | None  # "wall", "request", "sandbox_lost" or None
    cpu_time: float | None = None
    max_rss_kb: int = 0
    wall_s: float = 0.0
    output: str = ""  # the tail of stdout and stderr together
    output_bytes: int = 0  # all the sample printed, most of it dropped unread
    leftover_processes: int = 0
    uid: int | None = None  # the uid the sample ran as (never reused), None: the worker's

    @property
    def measured(self) -> bool:
        return self.cpu_time is not None

    @property
    def cpu_s(self) -> float:
        """The measured CPU seconds; :class:`SandboxError` when there is none."""
        if self.cpu_time is None:
            raise SandboxError("the sandbox was lost before it could measure the sample")
        return self.cpu_time

    @property
    def signal(self) -> int | None:
        return -self.exit_code if self.exit_code is not None and self.exit_code < 0 else None
