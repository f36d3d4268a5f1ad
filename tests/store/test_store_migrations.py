"""The migrations are the source of truth; the models must describe the same schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from fairclimb.store import Store
from fairclimb.store._migrate import alembic_config, current_revisions
from fairclimb.store._schema import metadata


def test_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"migrations branch: heads {heads}; merge them"


def test_models_match_migrations(store: Store) -> None:
    with store._engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_constraints_that_idempotence_relies_on(store: Store) -> None:
    inspector = inspect(store._engine)
    uniques = inspector.get_unique_constraints("eval_results")
    assert [sorted(u["column_names"]) for u in uniques] == [["run_id", "sample_index"]]
    (fk,) = inspector.get_foreign_keys("eval_results")
    assert fk["referred_table"] == "eval_runs"
    assert "task_id" in {
        c for ix in inspector.get_indexes("eval_results") for c in ix["column_names"]
    }


@pytest.mark.parametrize("url_kind", ["file", "memory"])
def test_downgrade_to_base_and_up_again(tmp_path: Path, url_kind: str) -> None:
    url = str(tmp_path / "x.db") if url_kind == "file" else "sqlite://"
    with Store.open(url) as store:
        config = alembic_config()
        with store._engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert current_revisions(store._engine) == set()
        assert set(inspect(store._engine).get_table_names()) == {"alembic_version"}
        with store._engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert current_revisions(store._engine) == set(
            ScriptDirectory.from_config(config).get_heads()
        )
