"""Plain records that cross the store's API; ORM objects never leave the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["NewRun", "ResultRow", "RunRecord"]


@dataclass(frozen=True, slots=True)
class NewRun:
    """What the caller knows about an execution run before it starts.

    ``out_dir`` and ``samples_path`` are stored as given: the caller resolves them
    (to absolute paths) so that a later resume finds the same run.
    """

    suite: str
    samples_path: str
    samples_sha256: str
    out_dir: str
    settings: dict[str, Any]
    sandbox: str
    sandbox_warning: str | None
    fairclimb_version: str
    n_samples: int


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A stored execution run. Timestamps are timezone-aware UTC."""

    run_id: str
    suite: str
    samples_path: str
    samples_sha256: str
    out_dir: str
    settings: dict[str, Any]
    sandbox: str
    sandbox_warning: str | None
    fairclimb_version: str
    n_samples: int
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any] | None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


@dataclass(frozen=True, slots=True)
class ResultRow:
    """The stored verdict on one sample of a run."""

    sample_index: int  # 0-based line of the samples file
    task_id: str
    status: str  # an ``evaluate.Status`` value; the store does not interpret it
    passed: bool
    detail: str
    program_sha256: str
    cpu_s: float
    wall_s: float
