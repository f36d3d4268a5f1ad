"""Live battles being answered, as every server process sees them: the process that
runs the models keeps the streamed text in memory, and records here who the job is
for and how it ended, so that a page or event stream served by another worker of
``arena serve --workers N`` finds the job and its outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from fairclimb.store._models import Base, UTCDateTime
from fairclimb.store._store import Store

__all__ = ["ArenaLiveJob", "ArenaLiveJobs", "LiveJobRecord"]


class ArenaLiveJob(Base):
    __tablename__ = "arena_live_jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rater_id: Mapped[int] = mapped_column(Integer, index=True)
    language: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(50))
    done: Mapped[bool] = mapped_column(Boolean)
    battle_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True, slots=True)
class LiveJobRecord:
    id: str
    rater_id: int
    language: str
    kind: str
    done: bool
    battle_id: int | None
    error: str | None
    started_at: datetime


class ArenaLiveJobs:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, job_id: str, rater_id: int, language: str, kind: str,
            now: datetime) -> None:
        with self.store.transaction("starting a live battle", write=True) as session:
            session.execute(insert(ArenaLiveJob).values(
                id=job_id, rater_id=rater_id, language=language, kind=kind, done=False,
                started_at=now))

    def finish(self, job_id: str, battle_id: int | None, error: str | None) -> None:
        with self.store.transaction("ending a live battle", write=True) as session:
            session.execute(update(ArenaLiveJob).where(ArenaLiveJob.id == job_id)
                            .values(done=True, battle_id=battle_id, error=error))

    def get(self, job_id: str) -> LiveJobRecord | None:
        with self.store.transaction("reading a live battle") as session:
            row = session.execute(select(ArenaLiveJob).where(ArenaLiveJob.id == job_id)
                                  ).scalar_one_or_none()
            if row is None:
                return None
            return LiveJobRecord(row.id, row.rater_id, row.language, row.kind, row.done,
                                 row.battle_id, row.error, row.started_at)
