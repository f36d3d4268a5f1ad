"""Built suites in the store: put one atomically, list them, read their tasks, remove one.

Task fields travel as plain JSON objects; the suites part owns their meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select

from fairclimb.store._db import parse_url
from fairclimb.store._store import Store
from fairclimb.store._suite_tables import StoredSuiteRow, StoredTaskRow

__all__ = ["StoredSuite", "SuiteRepository", "store_exists"]


@dataclass(frozen=True, slots=True)
class StoredSuite:
    """A built suite. ``tasks`` holds each task's fields, in the suite's order (empty
    when only the suite's description was read); ``size`` counts them."""

    name: str
    description: str
    origin: str
    build: dict[str, Any]
    tasks: list[dict[str, Any]] = field(default_factory=list)
    size: int = 0
    built_at: datetime | None = None


class SuiteRepository:
    """The built suites of one :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def put(self, suite: StoredSuite) -> None:
        """Store *suite* with all its tasks in one transaction, replacing any older build
        of the same name: readers see the old suite or the new one, never a mix."""
        rows = [{"suite": suite.name, "position": position, "task_id": str(task["task_id"]),
                 "fields": task} for position, task in enumerate(suite.tasks)]
        with self._store.transaction(f"storing the suite {suite.name}", write=True) as session:
            session.execute(delete(StoredTaskRow).where(StoredTaskRow.suite == suite.name))
            session.execute(delete(StoredSuiteRow).where(StoredSuiteRow.name == suite.name))
            session.add(StoredSuiteRow(name=suite.name, description=suite.description,
                                       origin=suite.origin, build=suite.build,
                                       built_at=datetime.now(UTC)))
            session.flush()
            if rows:
                session.execute(insert(StoredTaskRow), rows)

    def list(self) -> list[StoredSuite]:
        """Every built suite, by name, with its size but without its tasks."""
        sizes = (select(StoredTaskRow.suite, func.count().label("size"))
                 .group_by(StoredTaskRow.suite).subquery())
        query = (select(StoredSuiteRow, sizes.c.size)
                 .outerjoin(sizes, sizes.c.suite == StoredSuiteRow.name)
                 .order_by(StoredSuiteRow.name))
        with self._store.transaction("listing built suites") as session:
            return [_record(row, [], size or 0) for row, size in session.execute(query)]

    def get(self, name: str) -> StoredSuite | None:
        """The built suite *name* with its tasks, or None."""
        with self._store.transaction(f"reading the suite {name}") as session:
            row = session.get(StoredSuiteRow, name)
            if row is None:
                return None
            tasks = list(session.scalars(
                select(StoredTaskRow.fields).where(StoredTaskRow.suite == name)
                .order_by(StoredTaskRow.position)))
            return _record(row, tasks, len(tasks))

    def suite_of_task(self, task_id: str) -> str | None:
        """The name of a built suite holding a task with this id, if any."""
        query = select(StoredTaskRow.suite).where(StoredTaskRow.task_id == task_id).limit(1)
        with self._store.transaction("looking up a task") as session:
            return session.scalars(query).first()

    def remove(self, name: str) -> bool:
        """Forget a built suite and its tasks; False if there was none."""
        with self._store.transaction(f"removing the suite {name}", write=True) as session:
            session.execute(delete(StoredTaskRow).where(StoredTaskRow.suite == name))
            deleted = session.connection().execute(
                delete(StoredSuiteRow).where(StoredSuiteRow.name == name))
            return bool(deleted.rowcount)


def _record(row: StoredSuiteRow, tasks: list[dict[str, Any]], size: int) -> StoredSuite:
    return StoredSuite(name=row.name, description=row.description, origin=row.origin,
                       build=dict(row.build), tasks=tasks, size=size, built_at=row.built_at)


def store_exists(url: str) -> bool:
    """False only for a SQLite file that does not exist yet, so a caller that only
    reads (say, looks for built suites) can avoid creating a database as a side effect."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return True
    return Path(parsed.database).exists()
