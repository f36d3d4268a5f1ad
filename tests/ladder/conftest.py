"""Samples files for the private tasks of fairclimb-implement: right (the reference)
on a chosen set of tasks, wrong on the others."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from fairclimb.suites import Split, Task, get_suite

WRONG = "def nothing():\n    return None\n"


def hidden_tasks() -> list[Task]:
    suite = get_suite("fairclimb-implement")
    return [task for task in suite.tasks if task.split is Split.PRIVATE]


@pytest.fixture
def answers(tmp_path: Path) -> Callable[[str, Iterable[int]], Path]:
    """A samples file named *name*, right on the hidden tasks at positions *right*."""
    tasks = hidden_tasks()

    def write(name: str, right: Iterable[int]) -> Path:
        chosen = set(right)
        path = tmp_path / name
        path.write_text("".join(
            json.dumps({"task_id": t.task_id,
                        "solution": t.reference_program if i in chosen else WRONG}) + "\n"
            for i, t in enumerate(tasks)))
        return path

    return write
