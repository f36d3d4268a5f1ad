"""Tables of the ladder part. Created by their Alembic migration, never by these classes.

A board is fixed at creation to a suite's tasks of one split (their ids are kept, so a
rebuilt suite cannot change what a board scores). Every submission is a row that is
never deleted: the team, its number for that team, where its answers came from, the
evaluation run that scored it, its true score and per-task scores (the operator's, never
shown to the team), and what the board released.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairclimb.store._models import RUN_ID_LEN, SHA256_LEN, Base, UTCDateTime

__all__ = ["LadderBoardRow", "LadderReservationRow", "LadderSubmissionRow"]


class LadderBoardRow(Base):
    __tablename__ = "ladder_boards"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    suite: Mapped[str] = mapped_column(String(200))
    split: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20))  # ladder, naive (decided by the ladder part)
    max_per_day: Mapped[int] = mapped_column(Integer)
    task_ids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LadderSubmissionRow(Base):
    __tablename__ = "ladder_submissions"
    __table_args__ = (UniqueConstraint("board", "team", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    board: Mapped[str] = mapped_column(String(200), ForeignKey("ladder_boards.name"),
                                       index=True)
    team: Mapped[str] = mapped_column(String(200))
    number: Mapped[int] = mapped_column(Integer)  # the team's 1st, 2nd… submission
    source: Mapped[str] = mapped_column(String(20))  # samples, model
    source_name: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(SHA256_LEN))
    run_id: Mapped[str] = mapped_column(String(RUN_ID_LEN), ForeignKey("eval_runs.run_id"))
    score: Mapped[float] = mapped_column(Float)
    task_scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    step: Mapped[float] = mapped_column(Float)
    released_score: Mapped[float] = mapped_column(Float)
    improved: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LadderReservationRow(Base):
    """A submission's daily slot, taken before its answers are evaluated: pending while
    it runs, then done (its submission is stored) or abandoned (it failed or was killed)."""

    __tablename__ = "ladder_reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    board: Mapped[str] = mapped_column(String(200), ForeignKey("ladder_boards.name"),
                                       index=True)
    team: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))  # pending, done, abandoned
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    reserved_at: Mapped[datetime] = mapped_column(UTCDateTime)
