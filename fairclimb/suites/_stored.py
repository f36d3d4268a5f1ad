"""Tasks as the plain JSON objects a store keeps for built suites, and back."""

from __future__ import annotations

import dataclasses
from typing import Any

from fairclimb.suites._task import Language, Split, Task, TaskKind

__all__ = ["task_from_fields", "task_to_fields"]

_ENUMS: dict[str, Any] = {"kind": TaskKind, "language": Language, "split": Split}


def task_to_fields(task: Task) -> dict[str, Any]:
    fields = {f.name: getattr(task, f.name) for f in dataclasses.fields(Task)}
    return {key: value.value if key in _ENUMS else value for key, value in fields.items()}


def task_from_fields(fields: dict[str, Any]) -> Task:
    known = {f.name for f in dataclasses.fields(Task)}
    values = {key: value for key, value in fields.items() if key in known}
    for key, enum in _ENUMS.items():
        if key in values:
            values[key] = enum(values[key])
    return Task(**values)
