"""Settings: layered defaults < file < environment < flags, and every one documented."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairclimb.errors import UserInputError
from fairclimb.settings import Settings, load_settings, setting_sources

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"FAIRCLIMB_{name.upper()}", raising=False)
    monkeypatch.setenv("FAIRCLIMB_CONFIG", str(tmp_path / "fairclimb.toml"))
    return monkeypatch


@pytest.mark.parametrize(
    ("file", "env", "flag", "expected"),
    [
        (None, None, None, 5.0),
        ("timeout = 7", None, None, 7.0),
        ("timeout = 7", "8", None, 8.0),
        ("timeout = 7", "8", 9.0, 9.0),
        (None, None, 9.0, 9.0),
    ],
    ids=["default", "file", "env-over-file", "flag-over-all", "flag-only"],
)
def test_layers(clean_env: pytest.MonkeyPatch, tmp_path: Path, file: str | None,
                env: str | None, flag: float | None, expected: float) -> None:
    if file is not None:
        (tmp_path / "fairclimb.toml").write_text(file + "\n")
    if env is not None:
        clean_env.setenv("FAIRCLIMB_TIMEOUT", env)
    assert load_settings(timeout=flag).timeout == expected


@pytest.mark.parametrize(
    ("file", "env", "message"),
    [
        ("timeot = 3", None, "'timeot'"),
        ("timeout = [", None, "not valid TOML"),
        (None, "abc", "'workers'"),
        (None, "0", "'workers'"),
    ],
    ids=["unknown-key", "bad-toml", "not-a-number", "below-minimum"],
)
def test_bad_settings_are_one_clear_error(clean_env: pytest.MonkeyPatch, tmp_path: Path,
                                          file: str | None, env: str | None,
                                          message: str) -> None:
    if file is not None:
        (tmp_path / "fairclimb.toml").write_text(file + "\n")
    if env is not None:
        clean_env.setenv("FAIRCLIMB_WORKERS", env)
    with pytest.raises(UserInputError, match=message):
        load_settings()


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert Settings.model_fields[name].description
    assert f"FAIRCLIMB_{name.upper()}" in README.read_text()


def test_arena_and_ratings_defaults_are_the_parts_defaults(clean_env: pytest.MonkeyPatch
                                                           ) -> None:
    """One truth: the settings' defaults build exactly the parts' default options."""
    from fairclimb.arena import ArenaOptions, RatingOptions

    settings = load_settings(db="sqlite://")
    assert settings.arena_options() == ArenaOptions()
    assert settings.rating_options() == RatingOptions()


def test_arena_and_ratings_settings_reach_the_parts(clean_env: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    (tmp_path / "fairclimb.toml").write_text("arena_votes_per_minute = 7\n"
                                             "ratings_bootstrap = 20\n")
    clean_env.setenv("FAIRCLIMB_ARENA_PUBLIC_URL", "https://arena.example.org")
    settings = load_settings(db="sqlite://", ratings_seed=4)
    arena = settings.arena_options()
    assert (arena.votes_per_minute, arena.public_url) == (7, "https://arena.example.org")
    ratings = settings.rating_options()
    assert (ratings.bootstrap, ratings.seed, ratings.min_votes) == (20, 4, 50)


def test_sources_say_where_each_value_comes_from(clean_env: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    (tmp_path / "fairclimb.toml").write_text("timeout = 7\nratings_bootstrap = 20\n")
    environ = {"FAIRCLIMB_TIMEOUT": "8", "FAIRCLIMB_ARENA_PORT": "9000"}
    sources = setting_sources(environ)
    assert sources["timeout"] == "environment" and sources["arena_port"] == "environment"
    assert sources["ratings_bootstrap"] == str(tmp_path / "fairclimb.toml")
    assert sources["workers"] == "default"
    assert set(sources) == set(Settings.model_fields)


def test_config_shows_every_setting_with_its_source(tmp_path: Path) -> None:
    (tmp_path / "fairclimb.toml").write_text("ratings_bootstrap = 20\n")
    env = {**os.environ, "COLUMNS": "250", "FAIRCLIMB_ARENA_PORT": "9000",
           "FAIRCLIMB_CONFIG": str(tmp_path / "fairclimb.toml")}
    done = subprocess.run([sys.executable, "-m", "fairclimb", "config"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:4]]
            for line in done.stdout.splitlines() if line.count("│") >= 5
            and line.split("│")[1].strip()}
    assert set(Settings.model_fields) <= set(rows)
    assert rows["arena_port"] == ["9000", "environment"]
    # the file's path (a long one folds onto the next lines of the table)
    assert str(tmp_path / "fairclimb.toml").startswith(rows["ratings_bootstrap"][1])
    assert rows["arena_votes_per_minute"] == ["30", "default"]


def test_ratings_cli_defaults_come_from_the_settings(tmp_path: Path) -> None:
    battles = [{"model_a": "a", "model_b": "b", "winner": "model_a"}] * 30
    (tmp_path / "b.json").write_text(json.dumps(battles))
    env = {**os.environ, "FAIRCLIMB_RATINGS_MIN_VOTES": "10",
           "FAIRCLIMB_CONFIG": str(tmp_path / "none.toml")}
    done = subprocess.run([sys.executable, "-m", "fairclimb", "ratings", "--battles", "b.json",
                           "--bootstrap", "20", "--json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    models = json.loads(done.stdout)["models"]
    assert not any(model["provisional"] for model in models)  # 30 battles >= 10


def test_eval_options_follow_the_settings(clean_env: pytest.MonkeyPatch) -> None:
    options = load_settings(db="sqlite://", workers=3, timeout=2.5, memory_mb=256,
                            sandbox="rlimits", node="/opt/node").eval_options()
    assert (options.workers, options.sandbox, options.node) == (3, "rlimits", "/opt/node")
    assert (options.limits.wall_s, options.limits.memory_bytes) == (2.5, 256 << 20)


@pytest.mark.parametrize(("executor", "flag", "env", "file", "per_node"), [
    ("ray", 3, None, None, 3),
    ("ray", None, "4", None, 4),
    ("ray", None, None, "workers = 5", 5),
    ("ray", None, None, None, None),  # this machine's cores say nothing of the nodes'
    ("local", 3, None, None, None),
], ids=["ray-flag", "ray-env", "ray-file", "ray-default", "local"])
def test_workers_with_ray_are_the_checkers_of_each_node(
        clean_env: pytest.MonkeyPatch, tmp_path: Path, executor: str, flag: int | None,
        env: str | None, file: str | None, per_node: int | None) -> None:
    if file is not None:
        (tmp_path / "fairclimb.toml").write_text(file + "\n")
    if env is not None:
        clean_env.setenv("FAIRCLIMB_WORKERS", env)
    settings = load_settings(db="sqlite://", executor=executor, workers=flag)
    assert settings.executor_choice().workers == per_node
    assert settings.eval_options().executor.workers == per_node
