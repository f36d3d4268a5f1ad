"""The training data gate: which of a dataset's records a trainer may see.

Every trainer gets its rows from :func:`load_training_rows`, never from the store
directly, so the promises below hold whatever trains:

* a record derived from a private-split task (the record says so, its task is private,
  or a parent record is) is never trained on, with no override: private tasks exist
  to measure;
* the dataset's decontamination report must exist (the dataset was curated) and be
  current (checked against every task fairclimb knows now); a record the report
  flags is left out. ``override_contamination="reason"`` lifts these three, and the
  reason travels into the lineage, as a terms override does into the dataset card;
* a dataset whose teacher's terms ``forbid`` training is refused unless the dataset
  carries that teacher's terms override (made by ``distill --override-terms``).

Records the curation did not keep for other reasons (duplicates, failed execution,
excluded votes) are left out as ``data export`` leaves them out. Every refusal is one
sentence (:class:`~fairclimb.errors.UserInputError`).

Interface used by the trainers: ``load_training_rows(store, dataset, kind, *,
override_contamination) -> TrainingData``; each row is TRL-shaped (``messages``, or
``prompt``/``chosen``/``rejected``) plus ``task_id`` (the record's task, or None).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from fairclimb.data import MemberStatus, RecordKind, known_tasks
from fairclimb.errors import UserInputError
from fairclimb.store import DataRepository, DatasetInfo, MemberRow, Store
from fairclimb.suites import Split

__all__ = ["LeftOut", "TeacherUse", "TrainingData", "load_training_rows", "records_hash"]

log = logging.getLogger(__name__)

_ROW_KEYS = {RecordKind.SFT: ("messages",),
             RecordKind.PREFERENCE: ("prompt", "chosen", "rejected")}


class LeftOut(StrEnum):
    """Why a record of the asked kind was not given to the trainer."""

    PRIVATE = "private"  # derived from a private-split task
    CONTAMINATED = "contaminated"  # the decontamination report flags it
    NOT_KEPT = "not_kept"  # curation left it out: duplicate, failed execution, excluded


@dataclass(frozen=True, slots=True)
class TeacherUse:
    """A model whose outputs are in the training data, with its terms when recorded."""

    name: str
    model: str
    terms: str
    terms_url: str | None = None
    override_reason: str | None = None  # the dataset's terms override, if any
    role: str = "teacher"  # teacher (distilled), or voted / corrected (people judged it)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model, "terms": self.terms,
                "terms_url": self.terms_url, "override_reason": self.override_reason,
                "role": self.role}


@dataclass(frozen=True, slots=True)
class TrainingData:
    """What passed the gate: TRL rows, and what the lineage must say about them."""

    dataset: str
    kind: RecordKind
    rows: list[dict[str, Any]]
    record_ids: list[str]
    teachers: list[TeacherUse]
    raters: list[str]
    trained_on: frozenset[tuple[str, str]]  # (suite, split) of the records' tasks
    overrides: list[dict[str, Any]] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)  # LeftOut value -> count

    @property
    def records_sha256(self) -> str:
        return records_hash(self.record_ids)

    def lineage_entry(self) -> dict[str, Any]:
        """This dataset as a lineage names it."""
        return {"name": self.dataset, "kind": self.kind.value, "records": len(self.record_ids),
                "record_ids_sha256": self.records_sha256,
                "teachers": [t.to_json() for t in self.teachers], "raters": self.raters,
                "suites": [{"suite": s, "split": p} for s, p in sorted(self.trained_on)],
                "overrides": self.overrides, "left_out": self.left_out}


def records_hash(record_ids: Sequence[str]) -> str:
    """SHA-256 of the sorted record ids, one a line: the same records, the same hash."""
    return hashlib.sha256("\n".join(sorted(set(record_ids))).encode()).hexdigest()


def load_training_rows(store: Store, dataset: str, kind: RecordKind, *,
                       override_contamination: str | None) -> TrainingData:
    """The rows of *dataset*'s records of *kind* that a trainer may use (see the
    module's docstring); raises :class:`UserInputError` with one sentence otherwise."""
    if kind not in _ROW_KEYS:
        raise UserInputError(f"records of kind {kind.value} are not training rows; train on "
                             "sft or preference records")
    reason = _override_reason(override_contamination)
    repo = DataRepository(store)
    info = _require_dataset(repo, dataset)
    teachers = _teachers(info, store)
    _terms_gate(dataset, teachers)
    members = [m for m in repo.members(dataset) if m.record.kind == kind.value]
    tasks = known_tasks(store=store)
    _report_gate(dataset, info, len(tasks), reason)
    private_tasks = {task.task_id for task in tasks if task.split is Split.PRIVATE}
    flagged = {row.record_id for row in repo.contamination(dataset)}
    chosen, left_out = _choose(members, private_tasks, flagged, reason is not None)
    if not chosen:
        raise UserInputError(_nothing_left(dataset, kind, len(members), left_out))
    if left_out:
        log.warning("dataset %s: left out %s", dataset, _describe(left_out))
    overrides = [] if reason is None else [{
        "kind": "contamination", "reason": reason, "at": datetime.now(UTC).date().isoformat(),
        "records_flagged": sum(1 for m in chosen if m.record.record_id in flagged)}]
    teachers += _other_models(chosen, store, teachers)
    _terms_gate(dataset, teachers)
    return TrainingData(
        dataset=dataset, kind=kind, rows=[_row(kind, m) for m in chosen],
        record_ids=[m.record.record_id for m in chosen], teachers=teachers,
        raters=sorted({str(r) for m in chosen if (r := _rater(m)) is not None}),
        trained_on=frozenset(t for m in chosen if (t := _task_of(m)) is not None),
        overrides=overrides, left_out={k.value: v for k, v in left_out.items()})


def _override_reason(override: str | None) -> str | None:
    if override is not None and not override.strip():
        raise UserInputError("--override-contamination needs --reason \"...\" saying why "
                             "training on unchecked or contaminated records is acceptable")
    return None if override is None else override.strip()


def _require_dataset(repo: DataRepository, name: str) -> DatasetInfo:
    info = repo.get_dataset(name)
    if info is None:
        known = ", ".join(d.name for d in repo.list_datasets()) or "none yet"
        raise UserInputError(f"unknown dataset {name!r}; datasets: {known} (make one with "
                             "fairclimb distill or fairclimb data import-feedback)")
    return info


def _teachers(info: DatasetInfo, store: Store) -> list[TeacherUse]:
    """The distillation teachers the dataset's notes record, with their terms then."""
    # The record gate notes overrides by "model"; distil's older notes by "teacher".
    overrides = {str(o.get("model") or o.get("teacher")): str(o.get("reason") or "")
                 for o in info.notes.get("overrides") or [] if isinstance(o, dict)}
    teachers = []
    for note in info.notes.get("teachers") or []:
        name = str(note.get("name"))
        teachers.append(TeacherUse(
            name=name, model=str(note.get("model_id") or ""),
            terms=str(note.get("terms") or "unknown"), terms_url=note.get("terms_url"),
            override_reason=overrides.get(name) or None))
    return teachers


def _terms_gate(dataset: str, teachers: Sequence[TeacherUse]) -> None:
    """Distillation teachers only: a model whose answers people judged was not asked
    to teach, and its terms are shown in the lineage rather than enforced here."""
    for teacher in teachers:
        if teacher.role == "teacher" and teacher.terms == "forbid" \
                and not teacher.override_reason:
            where = f" ({teacher.terms_url})" if teacher.terms_url else ""
            raise UserInputError(
                f"dataset {dataset} holds outputs of teacher {teacher.name!r}, whose terms"
                f"{where} forbid training other models on them, and the dataset carries no "
                "override; distil it again with --override-terms --reason \"...\" if you "
                "have the right to")


def _report_gate(dataset: str, info: DatasetInfo, known: int, reason: str | None) -> None:
    """The decontamination report must exist and cover every task known now."""
    if reason is not None:
        return
    if "decontamination" not in info.notes:
        raise UserInputError(
            f"dataset {dataset} has no decontamination report (it was never curated), so "
            "its records may contain benchmark tasks; curate it first, or rerun with "
            "--override-contamination --reason \"...\"")
    checked = int(info.notes.get("checked_tasks") or 0)
    if checked < known:
        raise UserInputError(
            f"the decontamination report of dataset {dataset} is stale: it checked "
            f"{checked} tasks and fairclimb now knows {known}; curate it again, or rerun "
            "with --override-contamination --reason \"...\"")


def _choose(members: Sequence[MemberRow], private_tasks: set[str], flagged: set[str],
            overridden: bool) -> tuple[list[MemberRow], Counter[LeftOut]]:
    private_ids = {m.record.record_id for m in members if _private(m, private_tasks)}
    chosen: list[MemberRow] = []
    seen: set[str] = set()
    left_out: Counter[LeftOut] = Counter()
    for member in members:
        record_id = member.record.record_id
        parents = member.record.provenance.get("parents") or []
        contaminated = (record_id in flagged
                        or member.status == MemberStatus.CONTAMINATED.value)
        if record_id in private_ids or any(p in private_ids for p in parents):
            left_out[LeftOut.PRIVATE] += 1
        elif contaminated and not overridden:
            left_out[LeftOut.CONTAMINATED] += 1
        elif member.status not in (MemberStatus.KEPT.value, MemberStatus.CONTAMINATED.value):
            left_out[LeftOut.NOT_KEPT] += 1
        elif record_id not in seen:  # one record offered twice is one example
            seen.add(record_id)
            chosen.append(member)
    return chosen, left_out


def _private(member: MemberRow, private_tasks: set[str]) -> bool:
    record = member.record
    task = record.provenance.get("task") or {}
    return (record.private or task.get("split") == Split.PRIVATE.value
            or task.get("task_id") in private_tasks)


def _nothing_left(dataset: str, kind: RecordKind, offered: int,
                  left_out: Counter[LeftOut]) -> str:
    if not offered:
        return (f"dataset {dataset} has no {kind.value} records; this trainer needs "
                f"{kind.value} records (see fairclimb data stats {dataset})")
    advice = ""
    if left_out[LeftOut.CONTAMINATED]:
        advice = ("; contaminated records are used only with --override-contamination "
                  "--reason \"...\"")
    return (f"dataset {dataset} has no {kind.value} records a trainer may use: "
            f"{_describe(left_out)}{advice}")


def _describe(left_out: Counter[LeftOut]) -> str:
    words = {LeftOut.PRIVATE: "derived from private-split tasks (never trained on)",
             LeftOut.CONTAMINATED: "flagged by the decontamination report",
             LeftOut.NOT_KEPT: "not kept by curation (duplicates, failed execution, "
                               "excluded)"}
    return ", ".join(f"{count} {words[why]}" for why, count in left_out.items() if count)


def _row(kind: RecordKind, member: MemberRow) -> dict[str, Any]:
    content = member.record.content
    row = {key: content[key] for key in _ROW_KEYS[kind]}
    row["task_id"] = (member.record.provenance.get("task") or {}).get("task_id") or None
    return row


def _task_of(member: MemberRow) -> tuple[str, str] | None:
    task = member.record.provenance.get("task") or {}
    if not task.get("suite") or not task.get("task_id"):
        return None
    return str(task["suite"]), str(task.get("split") or Split.PUBLIC.value)


def _rater(member: MemberRow) -> str | None:
    human = member.record.provenance.get("human") or {}
    rater = human.get("rater")
    return None if rater is None else str(rater)


def _gate_decisions(provenance: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The record gate's terms decision for each model in a record (model -> decision);
    it is the source of truth for the terms and override a record was admitted under."""
    gate = provenance.get("gate") or {}
    return {str(d["model"]): d for d in gate.get("models") or []
            if isinstance(d, dict) and d.get("model")}


def _other_models(members: Sequence[MemberRow], store: Store,
                  teachers: Sequence[TeacherUse]) -> list[TeacherUse]:
    """Models whose words are in the rows but not in the dataset's notes: a record's
    own generation, and the models whose answers people voted on or corrected; terms
    and override as the record gate decided them (older records: as recorded, or from
    the registry)."""
    named = {t.name for t in teachers}
    found: dict[str, TeacherUse] = {}
    for member in members:
        provenance = member.record.provenance
        decisions = _gate_decisions(provenance)
        generation = provenance.get("generation") or {}
        name = str(generation.get("model") or "")
        if name and name not in named and name not in found:
            gate = provenance.get("terms_gate") or {}
            decided = decisions.get(name, {})
            found[name] = TeacherUse(
                name=name, model=str(generation.get("model_id") or ""),
                terms=str(decided.get("terms") or generation.get("terms") or "unknown"),
                terms_url=generation.get("terms_url"),
                override_reason=decided.get("override") or (
                    str(gate.get("reason") or "") if gate.get("override") else None))
        for role, value in (provenance.get("models") or {}).items():
            judged = str(value or "")
            if judged and judged not in named and judged not in found:
                spec = store.get_model(judged)
                decided = decisions.get(judged, {})
                found[judged] = TeacherUse(
                    name=judged, model=spec.model_id if spec else "",
                    terms=str(decided.get("terms")
                              or (spec.terms.value if spec else "unknown")),
                    terms_url=spec.terms_url if spec else None,
                    override_reason=decided.get("override") or None,
                    role="corrected" if role == "corrected" else "voted")
    return [found[name] for name in sorted(found)]
