"""Results are stored whole (migration 0006): every field of a result comes back, on
SQLite and PostgreSQL, and rows stored before 0006 read back as schema version 0."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from sqlalchemy import text

from fairclimb.store import NewRun, ResultRow, Store
from fairclimb.store._migrate import alembic_config


@pytest.mark.parametrize("changes", [
    {},
    {"cost": 0.125, "cost_measure": "instructions", "speed_score": 0.75, "calls": 7},
    {"status": "failed", "passed": False, "detail": "x", "fix_distance": 12},
], ids=["plain", "optimize", "debug"])
def test_every_field_survives_the_store(
    store: Store, make_run: Callable[..., NewRun], make_result: Callable[..., ResultRow],
    changes: dict[str, object],
) -> None:
    run_id = store.create_run(make_run())
    row = make_result(3, **changes)
    store.add_results(run_id, [row])
    assert store.results(run_id) == [row]
    assert store.results(run_id)[0].schema_version == 1


def test_rows_from_before_0006_read_as_schema_version_0(
    store: Store, make_run: Callable[..., NewRun], make_result: Callable[..., ResultRow],
) -> None:
    run_id = store.create_run(make_run())
    config = alembic_config()
    with store._engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
    with store._engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO eval_results (run_id, sample_index, task_id, status, passed, detail,"
            " program_sha256, cpu_s, wall_s) VALUES (:run, 0, 'HumanEval/0', 'passed', "
            ":yes, '', :sha, 0.5, 1.0)"), {"run": run_id, "yes": True, "sha": "0" * 64})
    with store._engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    (old,) = store.results(run_id)
    assert (old.schema_version, old.cost, old.cost_measure, old.calls) == (0, None, "", 0)
    assert old.cpu_s == 0.5 and old.passed
