"""Live battles being answered, as every server process sees them: who the job is for,
the text so far (written by the process that runs the models, a few times a second at
most) and how it ended, so that a page or event stream served by another worker of
``arena serve --workers N`` finds the job, streams its text and shows its outcome.

Rows are removed an hour or so after their start (finished or abandoned alike), a
bounded number at a time, each time a job is created.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update

from fairclimb.store._arena_state_tables import ArenaLiveJob
from fairclimb.store._store import Store

__all__ = ["MAX_PARTIAL_CHARS", "ArenaLiveJob", "ArenaLiveJobs", "LiveJobRecord"]

MAX_PARTIAL_CHARS = 32_000  # a side's text so far, at most (a live answer is ~1k tokens)
_SWEEP = 50  # expired rows removed per job created, at most: bounded work on that path


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
    partial: dict[int, str] = field(default_factory=dict)  # side (0 = A) -> text so far


class ArenaLiveJobs:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, job_id: str, rater_id: int, language: str, kind: str,
            now: datetime, expired_before: datetime | None = None) -> int:
        """Record a new job; and remove up to a few dozen jobs started before
        *expired_before* (done or abandoned). Returns how many were removed."""
        with self.store.transaction("starting a live battle", write=True) as session:
            session.execute(insert(ArenaLiveJob).values(
                id=job_id, rater_id=rater_id, language=language, kind=kind, done=False,
                started_at=now))
            if expired_before is None:
                return 0
            oldest = (select(ArenaLiveJob.id).where(ArenaLiveJob.started_at < expired_before)
                      .order_by(ArenaLiveJob.started_at).limit(_SWEEP))
            removed = session.execute(delete(ArenaLiveJob).where(
                ArenaLiveJob.id.in_(oldest.scalar_subquery())))
            return int(getattr(removed, "rowcount", 0) or 0)

    def set_partial(self, job_id: str, texts: Mapping[int, str]) -> None:
        """The text so far of each side in *texts* (each cut to MAX_PARTIAL_CHARS)."""
        values = {name: texts[side][:MAX_PARTIAL_CHARS]
                  for side, name in ((0, "partial_a"), (1, "partial_b")) if side in texts}
        if not values:
            return
        with self.store.transaction("streaming a live battle", write=True) as session:
            session.execute(update(ArenaLiveJob).where(ArenaLiveJob.id == job_id)
                            .values(**values))

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
            partial = {side: text for side, text in ((0, row.partial_a), (1, row.partial_b))
                       if text is not None}
            return LiveJobRecord(row.id, row.rater_id, row.language, row.kind, row.done,
                                 row.battle_id, row.error, row.started_at, partial)

    def count(self) -> int:
        """Jobs recorded."""
        with self.store.transaction("counting live battles") as session:
            return int(session.execute(select(func.count()).select_from(ArenaLiveJob))
                       .scalar_one())
