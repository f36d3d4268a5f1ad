"""The contamination audit: recompute a dataset's report and compare with the stored one.

The stored report is what decided which records were dropped; recomputing it from the
records and today's suites shows whether it still holds (a suite added since, a
threshold changed, a row edited by hand in the database).

The audit derives each record's text on its own, from the stored payload: every string
in the record's content, whatever its shape. It does not reuse the data part's
``record_text``, so a bug there (issue 10: preference records checked as ``str()`` of
their message lists, so nothing ever matched) shows up as a difference here instead of
being repeated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fairclimb.data import DecontamOptions, RecordText, decontaminate, known_tasks, require_dataset
from fairclimb.store import ContaminationRow, DataRepository, MemberRow, Store
from fairclimb.suites import Task

__all__ = ["ContaminationAudit", "audit_contamination"]


@dataclass(frozen=True, slots=True)
class ContaminationAudit:
    dataset: str
    stored: list[ContaminationRow]
    recomputed: list[ContaminationRow]
    missing: list[ContaminationRow] = field(default_factory=list)  # found now, not stored
    extra: list[ContaminationRow] = field(default_factory=list)  # stored, not found now

    @property
    def matches(self) -> bool:
        return not self.missing and not self.extra

    def to_json(self) -> dict[str, Any]:
        def rows(items: list[ContaminationRow]) -> list[dict[str, Any]]:
            return [{"record_id": r.record_id, "task_id": r.task_id, "method": r.method,
                     "score": r.score, "threshold": r.threshold} for r in items]

        return {"dataset": self.dataset, "matches": self.matches,
                "stored": len(self.stored), "recomputed": len(self.recomputed),
                "records": len({r.record_id for r in self.recomputed}),
                "report": rows(self.recomputed), "missing_from_store": rows(self.missing),
                "no_longer_found": rows(self.extra)}


# Keys whose strings are labels, not text a benchmark could leak into.
_NOT_TEXT = frozenset({"role", "model", "labels", "verdict"})


def _strings(value: Any) -> list[str]:
    """Every string in a JSON value, depth first, leaving out labels."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() if key not in _NOT_TEXT
                for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _first_user_text(content: dict[str, Any]) -> str:
    for key in ("messages", "prompt"):
        value = content.get(key)
        if isinstance(value, str):
            return value
        for message in value if isinstance(value, list) else []:
            if isinstance(message, dict) and message.get("role") == "user":
                return "\n".join(_strings(message))
    return ""


def audit_texts(members: Sequence[MemberRow]) -> list[RecordText]:
    """The audit's own derivation of what each record says, from its stored content."""
    texts: dict[str, RecordText] = {}
    for member in members:
        record = member.record
        texts.setdefault(record.record_id, RecordText(
            record.record_id, "\n".join(_strings(record.content)),
            _first_user_text(record.content)))
    return list(texts.values())


def _key(row: ContaminationRow) -> tuple[str, str, str]:
    return (row.record_id, row.task_id, row.method)


def audit_contamination(store: Store, dataset: str, extra_tasks: Sequence[Task] = (),
                        embeddings: bool | None = None) -> ContaminationAudit:
    """Recompute the report with the parameters the dataset was checked with."""
    repo = DataRepository(store)
    info = require_dataset(repo, dataset)
    used = info.notes.get("decontamination") or {}
    known = DecontamOptions.__dataclass_fields__
    options = DecontamOptions(**{k: v for k, v in used.items()
                                 if k in known and k != "embeddings"},
                              embeddings=bool(used.get("embeddings"))
                              if embeddings is None else embeddings)
    members = [m for m in repo.members(dataset)
               if m.status not in ("failed_execution", "excluded")]
    recomputed = decontaminate(audit_texts(members), known_tasks(extra_tasks, store), options)
    stored = repo.contamination(dataset)
    now, then = {_key(r) for r in recomputed}, {_key(r) for r in stored}
    return ContaminationAudit(dataset, stored, recomputed,
                              [r for r in recomputed if _key(r) not in then],
                              [r for r in stored if _key(r) not in now])
