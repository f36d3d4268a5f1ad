"""fairclimb's own sandbox backends are entry points in its pyproject.toml, as a plugin's are,
and also listed in code (the registry's built-ins); tests/test_plugins.py adds a plugin's."""

from __future__ import annotations

import tomllib
from pathlib import Path

import fairclimb
from fairclimb.plugins import SANDBOX_BACKENDS
from fairclimb.sandbox._backend import REGISTRY

PYPROJECT = Path(fairclimb.__file__).resolve().parent.parent / "pyproject.toml"


def test_builtins_are_registered_in_pyproject_too() -> None:
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"]
    assert declared[SANDBOX_BACKENDS] == REGISTRY.builtins
    assert REGISTRY.group == SANDBOX_BACKENDS


def test_builtins_load_without_installed_metadata() -> None:
    # the editable install's metadata may predate the entry points: the code's list is enough
    assert REGISTRY.get("rlimits") is not None
