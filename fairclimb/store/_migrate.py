"""Bring a database to the newest schema: a new one created in one go, an old one migrated.

A new database gets every table straight from the models (``metadata.create_all``) and
is then stamped with the newest revision: the pattern Alembic documents for a fresh
database ("Building an Up to Date Database from Scratch"), with the stamp written here
rather than through Alembic, whose import alone costs more than the rest. Running every migration in
turn would reach the same schema (tests/store/test_store_fresh_schema.py compares the
two, on SQLite and PostgreSQL, so they cannot drift) at several times the cost, since
SQLite rebuilds a table for each change. A database that has any revision, or any
table of ours, is migrated as before.

An up-to-date database is only read, without importing Alembic at all: the newest
revision is read from the migration files' own ``revision`` lines, and the database's
from its ``alembic_version`` table. Opening the store is on the path of every command.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    insert,
    inspect,
    text,
)

from fairclimb.errors import StoreError
from fairclimb.store._db import MIGRATIONS_DIR, WRITE

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "UnknownRevision",
    "alembic_config",
    "current_revisions",
    "head_revisions",
    "run_migrations",
    "upgrade_to_head",
]

_VERSION_TABLE = "alembic_version"  # Alembic's default; env.py does not change it
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)


class UnknownRevision(Exception):
    """The database is at a revision these migrations do not know (a newer fairclimb
    made it, say); Alembic's own words are the message."""


def alembic_config() -> Config:
    """An Alembic config for the migrations shipped in the package (no ini file)."""
    from alembic.config import Config  # Alembic only when the schema changes

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@cache
def head_revisions() -> frozenset[str]:
    """The newest revisions, read from the migration files' ``revision`` and
    ``down_revision`` lines (what Alembic's ScriptDirectory computes by importing every
    migration; tests/store check that the two agree)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(ast.literal_eval(found["revision"]))
        down = ast.literal_eval(found.get("down_revision", "None"))
        parents.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - parents)


def current_revisions(engine: Engine | Connection) -> set[str]:
    """The Alembic revisions the database is at (empty for a new database)."""
    if isinstance(engine, Connection):
        return _revisions(engine)
    with engine.connect() as connection:
        return _revisions(connection)


def _revisions(connection: Connection) -> set[str]:
    if not inspect(connection).has_table(_VERSION_TABLE):
        return set()
    rows = connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}"))
    return {str(row[0]) for row in rows}


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database to the newest revision, all in one transaction.

    An up-to-date database is only read, so opening one takes no write lock. The
    revision is read again inside the write transaction, so two processes opening a
    new database at once create it only once.
    """
    if current_revisions(engine) == head_revisions():
        return
    with _write_transaction(engine) as connection:
        if _is_new(connection):
            _create_fresh(connection)
        elif current_revisions(connection) != head_revisions():
            _upgrade(connection)


def run_migrations(engine: Engine) -> None:
    """Run every migration not yet applied, whatever the database holds (the path an
    old database takes; tests use it to build the migrated schema from nothing)."""
    with _write_transaction(engine) as connection:
        _upgrade(connection)


@contextmanager
def _write_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        connection.execution_options(**{WRITE: True})
        with _sqlite_foreign_keys_off(connection), connection.begin():
            yield connection
            _check_foreign_keys(connection)


def _is_new(connection: Connection) -> bool:
    """No revision and none of our tables: nothing a migration would have to keep."""
    from fairclimb.store._schema import metadata

    names = set(inspect(connection).get_table_names())
    return _VERSION_TABLE not in names and not names & set(metadata.tables)


def _create_fresh(connection: Connection) -> None:
    from fairclimb.store._schema import metadata

    metadata.create_all(connection, checkfirst=False)  # _is_new: none of them exists
    _seed(connection)
    _stamp_head(connection)


def _stamp_head(connection: Connection) -> None:
    """What ``alembic stamp head`` does to a new database: Alembic's version table, as
    Alembic defines it, holding the newest revisions. Written here because importing
    Alembic costs a new database three times what creating it does; the fresh-schema
    test compares this table with the one Alembic makes when it migrates."""
    version = Table(_VERSION_TABLE, MetaData(),
                    Column("version_num", String(32), nullable=False),
                    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"))
    version.create(connection)
    connection.execute(insert(version), [{"version_num": head}
                                         for head in sorted(head_revisions())])


def _seed(connection: Connection) -> None:
    """Insert the rows the migrations put into a new database: 0010's head of the vote
    chain (every vote locks it; without it, the first concurrent votes race to make it).
    The fresh-schema test compares every table's rows too, so a seeding migration added
    later fails it until its rows are seeded here."""
    from fairclimb.store._arena_tables import ArenaVoteChain
    from fairclimb.store._vote_chain import GENESIS

    connection.execute(insert(ArenaVoteChain).values(id=1, seq=0, head_hash=GENESIS))


def _upgrade(connection: Connection) -> None:
    from alembic import command
    from alembic.util import CommandError

    config = alembic_config()
    config.attributes["connection"] = connection
    try:
        command.upgrade(config, "head")
    except CommandError as exc:
        raise UnknownRevision(str(exc)) from exc


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    # SQLite rebuilds a table to alter it (Alembic's batch mode); with foreign keys on,
    # dropping the old table would cascade-delete rows that point at it. SQLite's own
    # recipe: keys off outside the transaction, check them before committing.
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None  # a checked-out connection always has one
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise StoreError(
            f"A migration left rows whose foreign keys point nowhere in {', '.join(tables)}; "
            "nothing was changed, please report this as a fairclimb bug."
        )
