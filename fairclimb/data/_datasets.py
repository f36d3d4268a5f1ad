"""Reading datasets back: list, show, stats."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from fairclimb.data._records import MemberStatus, Origin
from fairclimb.errors import UserInputError
from fairclimb.store import DataRepository, DatasetInfo, MemberRow, Store

__all__ = ["RecordView", "dataset_records", "dataset_stats", "list_datasets",
           "require_dataset", "show_dataset"]


def require_dataset(repo: DataRepository, name: str) -> DatasetInfo:
    info = repo.get_dataset(name)
    if info is None:
        known = ", ".join(d.name for d in repo.list_datasets()) or "none yet"
        raise UserInputError(f"unknown dataset {name!r}; datasets: {known} (make one with "
                             "fairclimb distill or fairclimb data import-feedback)")
    return info


def stats_of(members: list[MemberRow]) -> dict[str, Any]:
    statuses = Counter(m.status for m in members)
    kept = [m for m in members if m.status == MemberStatus.KEPT]
    by_origin = Counter(m.record.origin for m in kept)
    return {
        "generated": len(members),
        "failed_execution": statuses[MemberStatus.FAILED_EXECUTION.value],
        "duplicates": statuses[MemberStatus.DUPLICATE.value],
        "contaminated": statuses[MemberStatus.CONTAMINATED.value],
        "excluded": statuses[MemberStatus.EXCLUDED.value],
        "kept": len(kept),
        "kept_by_origin": {origin.value: by_origin[origin.value] for origin in Origin},
        "kept_by_kind": dict(sorted(Counter(m.record.kind for m in kept).items())),
        "unverified": sum(1 for m in kept
                          if m.record.provenance.get("checks", {}).get("execution")
                          == "unverified"),
        "private": sum(1 for m in kept if m.record.private),
    }


def dataset_stats(store: Store, name: str) -> dict[str, Any]:
    """The counts of one dataset (``stats --json``)."""
    repo = DataRepository(store)
    require_dataset(repo, name)
    return {"dataset": name, **stats_of(repo.members(name))}


def list_datasets(store: Store) -> list[dict[str, Any]]:
    return [{"name": d.name, "offers": sum(d.counts.values()),
             "kept": d.counts.get(MemberStatus.KEPT.value, 0),
             "updated_at": d.updated_at.isoformat()}
            for d in DataRepository(store).list_datasets()]


def show_dataset(store: Store, name: str, limit: int = 20) -> dict[str, Any]:
    """A dataset's notes, counts and its first *limit* offers with their statuses."""
    repo = DataRepository(store)
    info = require_dataset(repo, name)
    members = repo.members(name)
    return {
        "name": name, "created_at": info.created_at.isoformat(),
        "updated_at": info.updated_at.isoformat(), "notes": info.notes,
        "stats": stats_of(members),
        "records": [{"record_id": m.record.record_id, "kind": m.record.kind,
                     "origin": m.record.origin, "status": m.status, "reason": m.reason,
                     "task": (m.record.provenance.get("task") or {}).get("task_id")}
                    for m in members[:limit]],
    }


@dataclass(frozen=True, slots=True)
class RecordView:
    """One offer to a dataset as a person may read it: a private task's record keeps its
    provenance and decisions, but its text (the private prompt and answer) is withheld."""

    record_id: str
    kind: str
    origin: Origin
    status: MemberStatus
    reason: str
    private: bool
    text: str | None  # each field as written (not JSON-escaped); None: withheld (private)
    provenance: str  # pretty JSON
    gate: str  # pretty JSON of provenance["gate"], "" when absent


def dataset_records(store: Store, name: str, origin: Origin | None = None,
                    status: MemberStatus | None = None) -> list[RecordView]:
    """Every offer to dataset *name* (filtered by origin and status), readable."""
    repo = DataRepository(store)
    require_dataset(repo, name)
    views = []
    for member in repo.members(name):
        record = member.record
        if origin is not None and record.origin != origin.value:
            continue
        if status is not None and member.status != status.value:
            continue
        gate = record.provenance.get("gate")
        views.append(RecordView(
            record.record_id, record.kind, Origin(record.origin), MemberStatus(member.status),
            member.reason, record.private,
            None if record.private else _readable(record.content), _pretty(record.provenance),
            "" if gate is None else _pretty(gate)))
    return views


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _readable(content: dict[str, Any]) -> str:
    """A record's fields as a person reads them: strings and chat turns as written."""
    return "\n".join(f"── {key} ──\n{_readable_value(value)}" for key, value in content.items())


def _readable_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(
            isinstance(turn, dict) and isinstance(turn.get("content"), str) for turn in value):
        return "\n".join(f"[{turn.get('role', '')}]\n{turn['content']}" for turn in value)
    return _pretty(value)
