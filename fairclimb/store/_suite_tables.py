"""Tables of the suite part. Created by their Alembic migration, never by these classes.

Built suites (``fairclimb suites build``) are stored here: one row per suite and one per
task, the task's fields as JSON (the suites part reads and writes that form; the store
does not interpret it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fairclimb.store._models import Base, UTCDateTime

__all__ = ["StoredSuiteRow", "StoredTaskRow"]


class StoredSuiteRow(Base):
    __tablename__ = "suites"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(Text)
    #: how it was built (source suite, seed, options…), for people and reproduction
    build: Mapped[dict[str, Any]] = mapped_column(JSON)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StoredTaskRow(Base):
    __tablename__ = "suite_tasks"

    suite: Mapped[str] = mapped_column(
        String(200), ForeignKey("suites.name", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    task_id: Mapped[str] = mapped_column(String(255), index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
