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
    """The stored result of one sample of a run, every field of ``evaluate.Result``
    (``schema_version`` 0: stored before the fields after ``wall_s`` were kept)."""

    sample_index: int  # 0-based line of the samples file
    task_id: str
    status: str  # an ``evaluate.Status`` value; the store does not interpret it
    passed: bool
    detail: str
    program_sha256: str
    cpu_s: float
    wall_s: float
    calls: int = 0
    cost: float | None = None
    cost_measure: str = ""
    speed_score: float | None = None
    fix_distance: int | None = None
    schema_version: int = 1
