"""Engines: turn a URL into a tuned engine, or into one clear error (_open migrates it).

SQLite is tuned on every new connection (WAL, ``synchronous=NORMAL``, foreign keys, a
busy timeout), and SQLAlchemy emits ``BEGIN`` itself so that SQLite transactions are
real: the driver's legacy mode would autocommit DDL, and a failed migration would then
leave a half-changed schema behind.
"""

from __future__ import annotations

import re
import select
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, InvalidatePoolError
from sqlalchemy.pool import StaticPool

from fairclimb.errors import StoreError

__all__ = [
    "MIGRATIONS_DIR",
    "WRITE",
    "display_url",
    "make_engine",
    "parse_url",
    "reason",
]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Execution option that makes a SQLite transaction take the write lock at BEGIN.
# A deferred transaction that reads and then writes fails at once with SQLITE_BUSY
# when another writer got in between (the busy timeout does not help there), so
# everything that writes asks for the lock up front and waits its turn instead.
WRITE = "fairclimb_write"

_BUSY_TIMEOUT_MS = 30_000
_SQLITE_PRAGMAS = (
    f"busy_timeout = {_BUSY_TIMEOUT_MS}",
    "synchronous = NORMAL",  # safe with WAL; a power cut loses at most the last commits
    "foreign_keys = ON",
)
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*@")


def parse_url(url: str) -> URL:
    """A SQLAlchemy URL; a bare path (no ``://``) is a SQLite file at that path."""
    if not url.strip():
        raise StoreError(
            "The database URL is empty; give a file path or a URL such as "
            "sqlite:///fairclimb.db or postgresql+psycopg://user@host/fairclimb."
        )
    if "://" not in url:
        return URL.create("sqlite", database=str(Path(url).expanduser()))
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        shown = _PASSWORD_IN_URL.sub(r"\1***@", url)
        raise StoreError(
            f"Cannot parse the database URL {shown!r}; write it as "
            "dialect+driver://user:password@host/database, or give a file path."
        ) from exc


def display_url(url: URL) -> str:
    """The URL as it may be shown to a person: the password masked."""
    return url.render_as_string(hide_password=True)


def is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(url: URL) -> Engine:
    """An engine for ``url``; for SQLite, with the pragmas and transaction handling above."""
    kwargs: dict[str, Any] = {}
    if is_sqlite_memory(url):
        # One shared connection, or every checkout would see a new, empty database.
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    engine = create_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite" and url.get_driver_name() == "pysqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg":
        event.listen(engine, "checkout", _drop_if_closed_by_server)
    return engine


def _drop_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled connection that the server closed while it sat idle (PostgreSQL
    restarted, or its session terminated): the pool then replaces it and every other
    connection as old, and the request goes on with a fresh one instead of failing.

    An idle connection has nothing to read; a closed one reads as the server's goodbye
    or end of file. One poll(2) with no wait: no round trip, unlike a pre-ping's
    ``SELECT 1`` on every checkout."""
    try:
        fd = dbapi_connection.pgconn.socket
    except Exception:  # psycopg raises its own OperationalError for a closed one
        fd = None
    if fd is not None and not dbapi_connection.broken:
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
        if not poller.poll(0):
            return
    # InvalidatePoolError: the other pooled connections are as old, so replace them too
    raise InvalidatePoolError("the server closed this connection while it was idle")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Stop the sqlite3 module from issuing BEGIN itself; _sqlite_on_begin does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        _enable_wal(cursor)
    finally:
        cursor.close()


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to WAL, so that readers never block the writer nor it them.

    The mode is stored in the file, so usually there is nothing to do. Switching needs
    an exclusive lock, and SQLite answers "locked" at once, without its busy handler,
    when two new connections try together; so wait here as the handler would.
    """
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] in ("wal", "memory"):
        return
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_on_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def reason(exc: DBAPIError, url: URL) -> str:
    """The driver's own words for ``exc`` on one line, never with the password."""
    text = " ".join(str(exc.orig).split())
    if url.password:
        text = text.replace(str(url.password), "***")
    return text
