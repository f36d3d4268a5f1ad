"""The arena's shared-state tables: rate-limit events, live jobs and raters' flags.

Only the tables, on the store's metadata: the modules that read and write them
(_arena_limits, _arena_live_jobs, _arena_quality) build on the Store, and the schema
(_schema, which a new database is created from) must not import the Store.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fairclimb.store._models import Base, UTCDateTime

__all__ = ["ArenaLiveJob", "ArenaRateEvent", "ArenaRaterFlag"]


class ArenaRateEvent(Base):
    """One event counted against a rate limit (a vote, a new task), keyed
    ``KIND:RATER``; events older than their window are deleted as keys are used."""

    __tablename__ = "arena_rate_events"
    __table_args__ = (Index("ix_arena_rate_events_key", "key", "at"),
                      Index("ix_arena_rate_events_at", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArenaLiveJob(Base):
    __tablename__ = "arena_live_jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rater_id: Mapped[int] = mapped_column(Integer, index=True)
    language: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(50))
    done: Mapped[bool] = mapped_column(Boolean)
    battle_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    partial_a: Mapped[str | None] = mapped_column(Text)  # side A's text so far
    partial_b: Mapped[str | None] = mapped_column(Text)


class ArenaRaterFlag(Base):
    """One flag on a rater (all their votes are excluded), in the rules' order."""

    __tablename__ = "arena_rater_flags"

    rater_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("arena_accounts.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40))  # an Exclusion value
    detail: Mapped[str] = mapped_column(Text)
