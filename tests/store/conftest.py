"""Fixtures of the store tests: stores on a real SQLite file, in memory, and on a real
PostgreSQL server (see ``tests/pg.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pg import fresh_database

from fairclimb.store import NewRun, ResultRow, Store


@pytest.fixture(params=["file", "memory", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        with fresh_database() as url, Store.open(url) as opened:
            yield opened
        return
    url = str(tmp_path / "fairclimb.db") if request.param == "file" else "sqlite://"
    with Store.open(url) as opened:
        yield opened


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "fairclimb.db"


def new_run(**changes: Any) -> NewRun:
    fields: dict[str, Any] = {
        "suite": "humaneval",
        "samples_path": "/data/samples.jsonl",
        "samples_sha256": "a" * 64,
        "out_dir": "/runs/one",
        "settings": {"timeout": 5.0, "workers": 4},
        "sandbox": "bwrap",
        "sandbox_warning": None,
        "fairclimb_version": "0.1.0",
        "n_samples": 10,
    }
    fields.update(changes)
    return NewRun(**fields)


def result(index: int, **changes: Any) -> ResultRow:
    fields: dict[str, Any] = {
        "sample_index": index,
        "task_id": f"HumanEval/{index % 3}",
        "status": "passed",
        "passed": True,
        "detail": "",
        "program_sha256": f"{index:064x}",
        "cpu_s": 0.01 * index,
        "wall_s": 0.02 * index,
    }
    fields.update(changes)
    return ResultRow(**fields)


@pytest.fixture
def make_run() -> Callable[..., NewRun]:
    return new_run


@pytest.fixture
def make_result() -> Callable[..., ResultRow]:
    return result
