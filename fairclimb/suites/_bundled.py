"""Suites written for fairclimb, shipped as one TOML file per task.

A task file lives at ``fairclimb/suites/data/<suite>/<slug>.toml``; its task id is
``<suite>/<slug>``. TOML literal strings (``'''...'''``) hold code without escaping.
Keys are :class:`~fairclimb.suites.Task` fields (``prompt``, ``entry_point``,
``reference``, ``tests``, ``kind``, ``language``, ``split``, ``created``…); ``origin``
defaults to ``fairclimb`` and ``licence`` to ``Apache-2.0``. An unknown key or a
missing required one is an error naming the file, so a typo cannot silently drop a
field.
"""

from __future__ import annotations

import dataclasses
import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from fairclimb.errors import FairclimbError
from fairclimb.suites._task import Language, Split, Task, TaskKind

__all__ = ["load_bundled"]

_DEFAULTS = {"origin": "fairclimb", "licence": "Apache-2.0"}
_REQUIRED = ("prompt", "entry_point")
_ENUMS: dict[str, Any] = {"kind": TaskKind, "language": Language, "split": Split}
_FIELDS = {f.name for f in dataclasses.fields(Task)} - {"task_id", "suite"}


def load_bundled(suite: str) -> list[Task]:
    """The tasks of a bundled suite, ordered by file name."""
    folder = resources.files("fairclimb.suites").joinpath("data", suite)
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")),
                   key=lambda f: f.name)
    return [_load_task(suite, f) for f in files]


def _load_task(suite: str, file: Traversable) -> Task:
    where = f"fairclimb/suites/data/{suite}/{file.name}"
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FairclimbError(f"{where} is not valid TOML: {exc}") from exc
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise FairclimbError(f"{where}: unknown keys {unknown}; known: {sorted(_FIELDS)}")
    missing = [key for key in _REQUIRED if key not in raw]
    if missing:
        raise FairclimbError(f"{where}: missing keys {missing}")
    fields: dict[str, Any] = {**_DEFAULTS, **raw}
    for key, enum in _ENUMS.items():
        if key in fields:
            try:
                fields[key] = enum(fields[key])
            except ValueError as exc:
                raise FairclimbError(f"{where}: {exc}") from exc
    if "created" in fields:
        fields["created"] = str(fields["created"])
    slug = file.name.removesuffix(".toml")
    return Task(task_id=f"{suite}/{slug}", suite=suite, **fields)
