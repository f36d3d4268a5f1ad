"""Data access for the data part: records, datasets, memberships, contamination reports.

Plain records in and out. What a status means, and when a record is a duplicate or
contaminated, is decided by :mod:`fairclimb.data`; this module only keeps it, and
writes every batch in one transaction (nothing half-written on a crash).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from fairclimb.store._data_tables import DataContamination, DataDataset, DataMember, DataRecord
from fairclimb.store._store import Store

__all__ = ["GATE_SCHEMA_VERSION", "ContaminationRow", "DataRepository", "DatasetInfo",
           "MemberRow", "Offer", "StoredRecord"]

# The version of the record gate's decision (``provenance["gate"]``) this store accepts.
# Every record must carry one: the data part's gate is the only way records are made.
GATE_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class StoredRecord:
    record_id: str
    kind: str
    origin: str
    content: dict[str, Any]
    provenance: dict[str, Any]
    licence: str
    private: bool
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One offer to a dataset and the record it became, with its status there."""

    source_key: str
    position: int
    status: str
    reason: str
    record: StoredRecord


@dataclass(frozen=True, slots=True)
class ContaminationRow:
    record_id: str
    task_id: str
    method: str
    score: float
    threshold: float


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    name: str
    notes: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    counts: dict[str, int] = field(default_factory=dict)  # members by status


@dataclass(frozen=True, slots=True)
class Offer:
    source_key: str
    record: StoredRecord
    status: str
    reason: str = ""


class DataRepository:
    """The data part's tables in a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add_offers(self, dataset: str, offers: Sequence[Offer],
                   notes: Mapping[str, Any] | None = None) -> int:
        """Add offers to *dataset* (created if new), all or none; an offer whose source
        key the dataset already has is skipped. *notes* are merged into the dataset's
        notes (list values are extended without repeats). Returns how many were new.
        """
        ungated = [o.source_key for o in offers if not _gated(o.record)]
        if ungated:
            # A programming error, not bad input: some path made records without
            # fairclimb.data's gate (issue 10). Nothing is stored.
            raise ValueError(f"{len(ungated)} record(s) did not pass the record gate "
                             f"(e.g. offer {ungated[0][:12]}); only fairclimb.data's admit() "
                             "may store training records")
        now = datetime.now(UTC)
        with self._store.transaction("storing training records", write=True) as session:
            _touch_dataset(session, dataset, notes or {}, now)
            known = set(session.scalars(
                select(DataMember.source_key).where(DataMember.dataset == dataset)))
            position = session.scalar(select(func.max(DataMember.position))
                                      .where(DataMember.dataset == dataset))
            position = -1 if position is None else position
            fresh: dict[str, Offer] = {}
            for offer in offers:
                if offer.source_key not in known and offer.source_key not in fresh:
                    fresh[offer.source_key] = offer
            records = {o.record.record_id: o.record for o in fresh.values()}
            stored = set(session.scalars(select(DataRecord.record_id)
                                         .where(DataRecord.record_id.in_(list(records)))))
            new_records = [_record_values(r, now) for rid, r in records.items()
                           if rid not in stored]
            if new_records:
                session.execute(insert(DataRecord), new_records)
            members = []
            for offer in fresh.values():
                position += 1
                members.append({"dataset": dataset, "source_key": offer.source_key,
                                "record_id": offer.record.record_id, "position": position,
                                "status": offer.status, "reason": offer.reason,
                                "added_at": now})
            if members:
                session.execute(insert(DataMember), members)
            return len(members)

    def source_keys(self, dataset: str) -> set[str]:
        with self._store.transaction("reading a dataset") as session:
            return set(session.scalars(
                select(DataMember.source_key).where(DataMember.dataset == dataset)))

    def get_dataset(self, name: str) -> DatasetInfo | None:
        with self._store.transaction("reading a dataset") as session:
            row = session.get(DataDataset, name)
            return None if row is None else _dataset_info(session, row)

    def list_datasets(self) -> list[DatasetInfo]:
        with self._store.transaction("listing datasets") as session:
            rows = session.scalars(select(DataDataset).order_by(DataDataset.name))
            return [_dataset_info(session, row) for row in rows]

    def members(self, dataset: str) -> list[MemberRow]:
        """Every offer to *dataset*, in the order they were added."""
        query = (select(DataMember, DataRecord)
                 .join(DataRecord, DataRecord.record_id == DataMember.record_id)
                 .where(DataMember.dataset == dataset).order_by(DataMember.position))
        with self._store.transaction("reading a dataset") as session:
            return [MemberRow(m.source_key, m.position, m.status, m.reason, _stored(r))
                    for m, r in session.execute(query)]

    def save_curation(self, dataset: str, statuses: Mapping[str, tuple[str, str]],
                      report: Sequence[ContaminationRow], notes: Mapping[str, Any]) -> None:
        """Set members' statuses (by source key), replace the contamination report and
        merge *notes*, in one transaction."""
        now = datetime.now(UTC)
        with self._store.transaction("storing a curation", write=True) as session:
            _touch_dataset(session, dataset, notes, now)
            for key, (status, reason) in statuses.items():
                session.execute(update(DataMember)
                                .where(DataMember.dataset == dataset,
                                       DataMember.source_key == key)
                                .values(status=status, reason=reason))
            session.execute(delete(DataContamination)
                            .where(DataContamination.dataset == dataset))
            if report:
                session.execute(insert(DataContamination), [
                    {"dataset": dataset, "record_id": row.record_id, "task_id": row.task_id,
                     "method": row.method, "score": row.score, "threshold": row.threshold,
                     "checked_at": now} for row in report])

    def contamination(self, dataset: str) -> list[ContaminationRow]:
        query = (select(DataContamination).where(DataContamination.dataset == dataset)
                 .order_by(DataContamination.id))
        with self._store.transaction("reading a contamination report") as session:
            return [ContaminationRow(r.record_id, r.task_id, r.method, r.score, r.threshold)
                    for r in session.scalars(query)]


def _gated(record: StoredRecord) -> bool:
    gate = record.provenance.get("gate")
    return isinstance(gate, dict) and gate.get("schema_version") == GATE_SCHEMA_VERSION


def _touch_dataset(session: Session, name: str, notes: Mapping[str, Any],
                   now: datetime) -> None:
    row = session.get(DataDataset, name)
    if row is None:
        session.add(DataDataset(name=name, notes=dict(notes), created_at=now, updated_at=now))
        session.flush()
        return
    row.notes = _merge_notes(row.notes, notes)
    row.updated_at = now


def _merge_notes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = merged[key] + [v for v in value if v not in merged[key]]
        else:
            merged[key] = value
    return merged


def _dataset_info(session: Session, row: DataDataset) -> DatasetInfo:
    counts = {str(status): int(count) for status, count in session.execute(
        select(DataMember.status, func.count()).where(DataMember.dataset == row.name)
        .group_by(DataMember.status))}
    return DatasetInfo(row.name, dict(row.notes), row.created_at, row.updated_at, counts)


def _record_values(record: StoredRecord, now: datetime) -> dict[str, Any]:
    return {"record_id": record.record_id, "kind": record.kind, "origin": record.origin,
            "content": record.content, "provenance": record.provenance,
            "licence": record.licence, "private": record.private,
            "created_at": record.created_at or now}


def _stored(row: DataRecord) -> StoredRecord:
    return StoredRecord(row.record_id, row.kind, row.origin, dict(row.content),
                        dict(row.provenance), row.licence, row.private, row.created_at)
