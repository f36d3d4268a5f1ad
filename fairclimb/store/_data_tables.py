"""Tables of the data part. Created by their Alembic migration, never by these classes.

A record is addressed by its content (``record_id`` is the SHA-256 of its canonical
JSON), so the same example drawn twice is stored once. A dataset is a named set of
records; each membership row is one thing that was *offered* to the dataset (a model
call, a vote), keyed by where it came from, so that a rerun adds nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fairclimb.store._models import SHA256_LEN, Base, UTCDateTime

__all__ = ["DataContamination", "DataDataset", "DataMember", "DataRecord"]


class DataRecord(Base):
    __tablename__ = "data_records"

    record_id: Mapped[str] = mapped_column(String(SHA256_LEN), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(20))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON)
    licence: Mapped[str] = mapped_column(String(200))
    private: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DataDataset(Base):
    __tablename__ = "data_datasets"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    # What the card must say that no single record does: terms overrides and their
    # reasons, warnings, the dedup and decontamination parameters last used.
    notes: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DataMember(Base):
    __tablename__ = "data_members"

    dataset: Mapped[str] = mapped_column(
        String(200), ForeignKey("data_datasets.name", ondelete="CASCADE"), primary_key=True)
    # Where the offer came from (a generation cache key, a vote's hash…): a rerun that
    # offers it again is skipped.
    source_key: Mapped[str] = mapped_column(String(SHA256_LEN), primary_key=True)
    record_id: Mapped[str] = mapped_column(
        String(SHA256_LEN), ForeignKey("data_records.record_id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # kept, failed_execution, duplicate, contaminated (decided by the data part).
    status: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DataContamination(Base):
    __tablename__ = "data_contamination"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(
        String(200), ForeignKey("data_datasets.name", ondelete="CASCADE"), index=True)
    record_id: Mapped[str] = mapped_column(String(SHA256_LEN))
    task_id: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(30))
    score: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
