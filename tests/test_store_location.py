"""Where the store is: found like git finds a repository, else the per-user one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairclimb.settings import default_store_path, find_project, load_settings

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("FAIRCLIMB_DB", "FAIRCLIMB_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return dict(os.environ)


@pytest.mark.parametrize("marker", ["fairclimb.db", "fairclimb.toml"])
def test_the_nearest_project_above_wins(tmp_path: Path, clean_env: dict[str, str],
                                        marker: str) -> None:
    deep = tmp_path / "project" / "src" / "pkg"
    deep.mkdir(parents=True)
    (tmp_path / "project" / marker).write_text("")
    assert find_project(deep) == (tmp_path / "project").resolve()
    assert default_store_path(deep) == (tmp_path / "project" / "fairclimb.db").resolve()


def test_without_a_project_the_store_is_the_users(tmp_path: Path, clean_env: dict[str, str],
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  _own_user_data_dir: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_project() is None
    expected = _own_user_data_dir / "fairclimb" / "fairclimb.db"
    assert default_store_path() == expected
    assert load_settings().db == f"sqlite:///{expected}"
    assert load_settings(db="other.db").db == "other.db"  # a flag still wins


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**env, "COLUMNS": "200"}, check=False)


ADD = ["models", "add", "m", "--base-url", "http://127.0.0.1:9/v1", "--model", "m"]


def test_a_command_run_below_the_project_finds_its_store(tmp_path: Path,
                                                         clean_env: dict[str, str]) -> None:
    (tmp_path / "fairclimb.toml").write_text("timeout = 7\n")
    below = tmp_path / "a" / "b"
    below.mkdir(parents=True)
    added = run(ADD, tmp_path, clean_env)
    assert added.returncode == 0, added.stderr
    store = (tmp_path / "fairclimb.db").resolve()
    assert added.stderr.strip() == (
        f"created a new store at {store} (fairclimb looks for fairclimb.db or "
        "fairclimb.toml here and in the directories above; --db names another)")
    listed = run(["models", "list", "--json"], below, clean_env)
    assert listed.returncode == 0, listed.stderr
    assert '"m"' in listed.stdout and listed.stderr == ""
    shown = run(["config", "--json"], below, clean_env)
    assert '"timeout": 7.0' in shown.stdout  # the project's fairclimb.toml, found upwards


def test_outside_any_project_one_line_says_where_the_new_store_is(
        tmp_path: Path, clean_env: dict[str, str], _own_user_data_dir: Path) -> None:
    added = run(ADD, tmp_path, clean_env)
    assert added.returncode == 0, added.stderr
    store = _own_user_data_dir / "fairclimb" / "fairclimb.db"
    assert store.exists() and not (tmp_path / "fairclimb.db").exists()
    assert added.stderr.count("created a new store at") == 1 and str(store) in added.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    listed = run(["models", "list", "--json"], elsewhere, clean_env)
    assert '"m"' in listed.stdout and "created" not in listed.stderr
