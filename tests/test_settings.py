"""Settings: layered defaults < file < environment < flags, and every one documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairclimb.errors import UserInputError
from fairclimb.settings import Settings, load_settings

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
