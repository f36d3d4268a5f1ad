"""What the sandbox reports: how loading went, what each call gave, how a sample ended.

Data only: the trusted side turns these into verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

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
    """How the sample's process ended, after everything it started was killed."""

    exit_code: int | None
    killed_for: str | None  # "wall", "request", "output", "sandbox_lost" or None
    cpu_s: float = 0.0
    max_rss_kb: int = 0
    wall_s: float = 0.0
    output: str = ""  # the head of stdout and stderr together
    output_bytes: int = 0
    leftover_processes: int = 0

    @property
    def signal(self) -> int | None:
        return -self.exit_code if self.exit_code is not None and self.exit_code < 0 else None
