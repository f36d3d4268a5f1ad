"""The arena's rate limits, counted in the database so that every server process sees
the same count: ``arena serve --workers N`` runs N processes, and a limit held in one
process's memory would let a rater through N times.

A limit is a sliding window: one row per event taken, keyed (``vote:12``); taking an
event counts the key's rows in the window and adds one only while under the limit.
The count and the insert are one transaction that holds a lock on the key
(PostgreSQL: a transaction-scoped advisory lock on the key's hash; SQLite: the write
lock every writing transaction takes at ``BEGIN IMMEDIATE``), so two processes taking
the last slot at once cannot both get it.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Index, Integer, String, Table, bindparam, delete, func, insert, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from fairclimb.store._models import Base, UTCDateTime
from fairclimb.store._store import Store

__all__ = ["ArenaRateEvent", "ArenaRateLimits"]

_SWEEP_EVERY = 1_000  # takes per process between sweeps of every key's expired events
_KEPT = timedelta(hours=1)  # a sweep keeps the last hour: no window is longer


class ArenaRateEvent(Base):
    """One event counted against a rate limit (a vote, a new task), keyed
    ``KIND:RATER``; events older than their window are deleted as keys are used."""

    __tablename__ = "arena_rate_events"
    __table_args__ = (Index("ix_arena_rate_events_key", "key", "at"),
                      Index("ix_arena_rate_events_at", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


_EVENTS = cast(Table, ArenaRateEvent.__table__)
_FORGET = delete(_EVENTS).where(_EVENTS.c.key == bindparam("key"),
                                _EVENTS.c.at <= bindparam("since"))
_COUNT = select(func.count()).select_from(_EVENTS).where(_EVENTS.c.key == bindparam("key"))
_TAKE = insert(_EVENTS)
_SWEEP = delete(_EVENTS).where(_EVENTS.c.at <= bindparam("since"))
# Transaction-scoped: released at commit or rollback, so a lost connection frees it.
_LOCK = sql("SELECT pg_advisory_xact_lock(:lock)")
# A rate event lost in a crash costs at most one extra request in a minute; not waiting
# for its flush to disk halves the cost of the vote path's extra commit.
_NO_FLUSH_WAIT = sql("SET LOCAL synchronous_commit TO OFF")


class ArenaRateLimits:
    """Sliding-window counts per key, shared by every process on the database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._takes = 0
        self._lock = threading.Lock()

    def take(self, key: str, limit: int, now: datetime, since: datetime) -> bool:
        """Count an event for ``key`` at ``now`` if fewer than ``limit`` were counted
        after ``since``; False (nothing counted) if the limit is reached."""
        with self.store.transaction("counting a rate limit", write=True) as session:
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                connection.execute(_NO_FLUSH_WAIT)
                connection.execute(_LOCK, {"lock": _lock_id(key)})
            connection.execute(_FORGET, {"key": key, "since": since})
            if int(connection.execute(_COUNT, {"key": key}).scalar_one()) >= limit:
                return False
            connection.execute(_TAKE, {"key": key, "at": now})
            if self._sweep_due():  # keys never used again would keep their rows
                connection.execute(_SWEEP, {"since": min(since, now - _KEPT)})
        return True

    def _sweep_due(self) -> bool:
        with self._lock:
            self._takes += 1
            return self._takes % _SWEEP_EVERY == 0


def _lock_id(key: str) -> int:
    """The key as a signed 64-bit advisory lock id (stable across processes, unlike
    ``hash``)."""
    return int.from_bytes(hashlib.sha256(f"arena-rate:{key}".encode()).digest()[:8],
                          "big", signed=True)
