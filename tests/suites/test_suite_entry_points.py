"""fairclimb's own suites are entry points in its pyproject.toml, as a plugin's are,
and also listed in code (the registry's built-ins); tests/test_plugins.py adds a plugin's."""

from __future__ import annotations

import tomllib
from pathlib import Path

import fairclimb
from fairclimb.plugins import SUITES
from fairclimb.suites._registry import REGISTRY

PYPROJECT = Path(fairclimb.__file__).resolve().parent.parent / "pyproject.toml"


def test_builtins_are_registered_in_pyproject_too() -> None:
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"]
    assert declared[SUITES] == REGISTRY.builtins
    assert REGISTRY.group == SUITES


def test_builtins_load_without_installed_metadata() -> None:
    # the editable install's metadata may predate the entry points: the code's list is enough
    assert REGISTRY.get("humaneval") is not None
