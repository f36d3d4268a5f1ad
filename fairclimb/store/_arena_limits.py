"""The arena's rate limits, counted in the database so that every server process sees
the same count: ``arena serve --workers N`` runs N processes, and a limit held in one
process's memory would let a rater through N times.

A limit is a sliding window: one row per event taken, keyed (``vote:12``); taking an
event is one ``INSERT … SELECT … WHERE (count in the window) < limit``, run while the
transaction holds a lock on the key (PostgreSQL: a transaction-scoped advisory lock on
the key's hash; SQLite: the write lock every writing transaction takes at ``BEGIN
IMMEDIATE``), so two processes taking the last slot at once cannot both get it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy import text as sql

from fairclimb.store._arena_state_tables import ArenaRateEvent
from fairclimb.store._models import UTCDateTime
from fairclimb.store._store import Store

__all__ = ["MAX_WINDOW", "TAKE", "ArenaRateEvent", "ArenaRateLimits", "RateWindow",
           "sweep_expired"]

_SWEEP_EVERY = 500  # takes per process between sweeps of expired events
MAX_WINDOW = timedelta(minutes=10)  # the longest window; a sweep keeps that much


_EVENTS = cast(Table, ArenaRateEvent.__table__)
_RECENT = (select(func.count()).select_from(_EVENTS)
           .where(_EVENTS.c.key == bindparam("key"), _EVENTS.c.at > bindparam("since"))
           .scalar_subquery())
# One statement counts and takes: it sees every event committed before it started,
# which (after the key's lock) is every event taken before this one.
_NEW = select(bindparam("key", type_=String()), bindparam("at", type_=UTCDateTime()))
TAKE = (insert(_EVENTS)
         .from_select(["key", "at"], _NEW.where(bindparam("limit", type_=Integer()) > _RECENT))
         .returning(_EVENTS.c.id))
_SWEEP = delete(_EVENTS).where(_EVENTS.c.at <= bindparam("before"))
# Transaction-scoped lock (released at commit or rollback, so a lost connection frees
# it); and a rate event lost in a crash costs at most one extra request in a minute, so
# its commit does not wait for the disk. One round trip for both.
_LOCK = sql("SELECT pg_advisory_xact_lock(:lock), "
            "set_config('synchronous_commit', 'off', true)")


@dataclass(frozen=True, slots=True)
class RateWindow:
    """One event to count for ``key`` at ``at``, if fewer than ``limit`` were counted
    after ``since``: what a caller that counts inside its own transaction (the vote)
    hands the store. ``sweep``: also delete expired events of every key."""

    key: str
    limit: int
    at: datetime
    since: datetime
    sweep: bool = False

    def params(self) -> dict[str, Any]:
        """The bind parameters of :data:`TAKE`."""
        return {"key": self.key, "at": self.at, "since": self.since, "limit": self.limit}

    @property
    def lock(self) -> int:
        """The key's advisory lock id on PostgreSQL (hold it before :data:`TAKE`)."""
        return _lock_id(self.key)


def sweep_expired(connection: Connection, now: datetime) -> None:
    """Delete the events older than the longest window, of every key."""
    connection.execute(_SWEEP, {"before": now - MAX_WINDOW})


class ArenaRateLimits:
    """Sliding-window counts per key, shared by every process on the database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._takes = 0
        self._lock = threading.Lock()

    def take(self, key: str, limit: int, now: datetime, since: datetime) -> bool:
        """Count an event for ``key`` at ``now`` if fewer than ``limit`` were counted
        after ``since``; False (nothing counted) if the limit is reached. Windows are at
        most :data:`MAX_WINDOW` long."""
        with self.store.transaction("counting a rate limit", write=True) as session:
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                connection.execute(_LOCK, {"lock": _lock_id(key)})
            taken = connection.execute(
                TAKE, {"key": key, "at": now, "since": since, "limit": limit}).first()
            if self.sweep_due():  # expired events of every key, now and then
                sweep_expired(connection, now)
        return taken is not None

    def sweep_due(self) -> bool:
        """True once every so many takes of this process: time to sweep."""
        with self._lock:
            self._takes += 1
            return self._takes % _SWEEP_EVERY == 0


def _lock_id(key: str) -> int:
    """The key as a signed 64-bit advisory lock id (stable across processes, unlike
    ``hash``)."""
    return int.from_bytes(hashlib.sha256(f"arena-rate:{key}".encode()).digest()[:8],
                          "big", signed=True)
