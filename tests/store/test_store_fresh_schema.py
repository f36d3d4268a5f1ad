"""A new database is created in one go (create_all + stamp head); it must be exactly the
schema that running every migration builds, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pg import fresh_database
from sqlalchemy import Engine, inspect, select

from fairclimb.store import Store
from fairclimb.store._db import make_engine, parse_url
from fairclimb.store._migrate import (
    alembic_config,
    current_revisions,
    head_revisions,
    run_migrations,
)
from fairclimb.store._schema import metadata


@contextmanager
def _two_databases(kind: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if kind == "postgres":
        with fresh_database() as migrated, fresh_database() as created:
            yield migrated, created
        return
    yield str(tmp_path / "migrated.db"), str(tmp_path / "created.db")


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(parse_url(url))
    try:
        yield engine
    finally:
        engine.dispose()


def _schema(engine: Engine) -> dict[str, Any]:
    """Everything reflection sees of each table, in a stable order."""
    inspector = inspect(engine)
    schema: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        columns = [(c["name"], str(c["type"]), c["nullable"], str(c.get("default")),
                    bool(c.get("autoincrement")) if table != "alembic_version" else None)
                   for c in inspector.get_columns(table)]
        schema[table] = {
            "columns": sorted(columns),
            "primary_key": (inspector.get_pk_constraint(table)["constrained_columns"],
                            inspector.get_pk_constraint(table).get("name")),
            "foreign_keys": sorted(
                (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"],
                 sorted((fk.get("options") or {}).items()))
                for fk in inspector.get_foreign_keys(table)),
            "indexes": sorted((ix["name"], ix["column_names"], bool(ix["unique"]),
                               sorted((k, " ".join(str(v).split())) for k, v in
                                      (ix.get("dialect_options") or {}).items()))
                              for ix in inspector.get_indexes(table)),
            "uniques": sorted(sorted(u["column_names"])
                              for u in inspector.get_unique_constraints(table)),
            "checks": sorted(" ".join(c["sqltext"].split())
                             for c in inspector.get_check_constraints(table)),
        }
    return schema


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but Alembic's own (what migrations seed)."""
    with engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(select(table))), key=repr)
                for name, table in metadata.tables.items()}


def _diff_against_models(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_created_database_is_the_migrated_one(kind: str, tmp_path: Path) -> None:
    with _two_databases(kind, tmp_path) as (migrated_url, created_url):
        with _engine(migrated_url) as migrated:
            run_migrations(migrated)  # every migration, in turn, from nothing
            assert current_revisions(migrated) == set(head_revisions())
            migrated_schema = _schema(migrated)
            migrated_rows = _rows(migrated)
            assert _diff_against_models(migrated) == []
        with Store.open(created_url) as store:  # a new database: created in one go
            created = store._engine
            assert current_revisions(created) == set(head_revisions())
            with created.connect() as conn:  # Alembic reads the stamp as its own
                assert set(MigrationContext.configure(conn).get_current_heads()) == set(
                    head_revisions())
            assert _diff_against_models(created) == []
            created_schema = _schema(created)
            created_rows = _rows(created)
    assert set(created_schema) == set(migrated_schema)
    for table, described in migrated_schema.items():
        assert created_schema[table] == described, table
    assert created_rows == migrated_rows  # rows a migration seeds are seeded too


def test_heads_read_from_the_files_are_alembics() -> None:
    assert set(head_revisions()) == set(
        ScriptDirectory.from_config(alembic_config()).get_heads())


def test_an_old_database_is_migrated_not_recreated(tmp_path: Path) -> None:
    """A database with a revision is upgraded in place: its rows stay."""
    from alembic import command
    from sqlalchemy import text

    url = str(tmp_path / "old.db")
    with _engine(url) as engine:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0005")
            conn.execute(text(
                "INSERT INTO eval_runs (run_id, suite, samples_path, samples_sha256, out_dir, "
                "settings, sandbox, fairclimb_version, n_samples, started_at) VALUES "
                "('r1', 'humaneval', 'x', :sha, 'o', '{}', 'bwrap', '0', 1, "
                "'2026-01-01 00:00:00')"), {"sha": "a" * 64})
    with Store.open(url) as store:
        assert current_revisions(store._engine) == set(head_revisions())
        assert [run.run_id for run in store.runs_starting_with("r")] == ["r1"]


def test_a_database_with_tables_of_ours_but_no_revision_is_not_recreated(tmp_path: Path) -> None:
    """Tables of ours without a revision are not taken as a new database: create_all
    would silently keep them as they are; the migrations say what is wrong instead."""
    from sqlalchemy import text

    from fairclimb.errors import StoreError

    url = str(tmp_path / "odd.db")
    with _engine(url) as engine, engine.begin() as conn:
        conn.execute(text("CREATE TABLE eval_runs (id TEXT PRIMARY KEY)"))
    with pytest.raises(StoreError):
        Store.open(url).close()
