"""Opening a store: creation, migration, SQLite tuning, and errors people can act on."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from fairclimb.errors import StoreError
from fairclimb.store import NewRun, Store
from fairclimb.store._db import parse_url
from fairclimb.store._migrate import alembic_config, current_revisions

HEAD = set(ScriptDirectory.from_config(alembic_config()).get_heads())


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


@pytest.mark.parametrize("as_url", [False, True], ids=["bare-path", "sqlite-url"])
def test_open_creates_and_migrates_a_file(db_path: Path, as_url: bool) -> None:
    url = f"sqlite:///{db_path}" if as_url else str(db_path)
    with Store.open(url) as store:
        assert current_revisions(store._engine) == HEAD
    assert db_path.is_file()
    assert {"alembic_version", "eval_runs", "eval_results"} <= _tables(db_path)


def test_bare_path_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert parse_url("~/x.db").database == str(tmp_path / "x.db")


def test_in_memory_store_keeps_data_between_calls(make_run: Callable[..., NewRun]) -> None:
    with Store.open("sqlite://") as store:
        run_id = store.create_run(make_run())
        assert store.get_run(run_id) is not None


def test_sqlite_connections_are_tuned(db_path: Path) -> None:
    with Store.open(str(db_path)) as store, store._engine.connect() as conn:
        pragmas = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragmas["journal_mode"] == "wal"
    assert pragmas["synchronous"] == 1  # NORMAL
    assert pragmas["foreign_keys"] == 1
    assert (pragmas["busy_timeout"] or 0) > 0


def test_reopen_is_idempotent_and_keeps_data(
    db_path: Path, make_run: Callable[..., NewRun]
) -> None:
    with Store.open(str(db_path)) as store:
        run_id = store.create_run(make_run())
    for _ in range(2):
        with Store.open(str(db_path)) as store:
            assert current_revisions(store._engine) == HEAD
            assert [run.run_id for run in store.list_runs()] == [run_id]


def test_concurrent_first_opens_migrate_once(db_path: Path) -> None:
    errors: list[BaseException] = []

    def open_and_close() -> None:
        try:
            Store.open(str(db_path)).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_and_close) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (rev,) for rev in HEAD
        ]


def _one_sentence(message: str) -> None:
    assert "\n" not in message
    assert message.endswith(".")
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("{tmp}/missing/dir/fairclimb.db", ["{tmp}/missing/dir", "exists"]),
        ("sqlite:///{tmp}/missing/fairclimb.db", ["sqlite:///{tmp}/missing/fairclimb.db"]),
        ("nosuchdb://user@host/db", ["nosuchdb", "sqlite:///"]),
        ("://nothing", ["Cannot parse", "file path"]),
        ("", ["empty"]),
        ("   ", ["empty"]),
    ],
)
def test_bad_url_gives_one_clear_sentence(tmp_path: Path, url: str, expected: list[str]) -> None:
    with pytest.raises(StoreError) as caught:
        Store.open(url.format(tmp=tmp_path))
    message = str(caught.value)
    _one_sentence(message)
    for part in expected:
        assert part.format(tmp=tmp_path) in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://alice:s3cr3t@127.0.0.1:1/fairclimb",
        "postgresql://alice:s3cr3t@127.0.0.1:notaport/fairclimb",
        "mysql://alice:s3cr3t@127.0.0.1:1/fairclimb",
        "bad url://alice:s3cr3t@host/db",
    ],
)
def test_error_masks_the_password(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        Store.open(url)
    message = str(caught.value)
    _one_sentence(message)
    assert "s3cr3t" not in message
    assert "alice" in message


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(StoreError, match="not a database") as caught:
        Store.open(str(path))
    _one_sentence(str(caught.value))
    assert path.read_text().startswith("these are not")  # nothing damaged


def test_database_from_a_newer_fairclimb(db_path: Path) -> None:
    Store.open(str(db_path)).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'from_the_future'")
    with pytest.raises(StoreError, match="upgrade fairclimb") as caught:
        Store.open(str(db_path))
    _one_sentence(str(caught.value))
    assert str(db_path) in str(caught.value)


def test_store_error_is_a_fairclimb_error_with_its_exit_code(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        Store.open(str(tmp_path / "no" / "such" / "x.db"))
    assert caught.value.exit_code == StoreError.exit_code
