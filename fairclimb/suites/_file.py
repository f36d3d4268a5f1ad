"""Your own tasks: a JSONL file of tasks as a suite, and choosing tasks from a suite.

One line, one task: ``prompt`` (required), ``tests`` (trusted code defining
``check(candidate)``), ``entry_point`` (the function the tests call), ``reference`` (a
whole program that passes the tests), ``language``, ``kind``, ``split``, ``id`` and
``licence``. The same format serves ``distill --prompts``, ``eval --tasks``,
``generate --tasks`` and ``suites add``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairclimb.errors import UserInputError
from fairclimb.suites._registry import Suite, get_suite
from fairclimb.suites._task import Language, Split, Task, TaskKind

if TYPE_CHECKING:
    from fairclimb.store import Store

__all__ = ["Selection", "choose_suite", "read_tasks", "select_tasks"]

_STRINGS = ("tests", "entry_point", "reference", "licence")
_ENUMS: dict[str, Any] = {"language": Language, "kind": TaskKind, "split": Split}


def read_tasks(path: Path, name: str, *, split: Split | None = None) -> Suite:
    """The tasks file at *path* as the suite *name*; the first bad line raises one
    sentence naming it (``file:line: what is wrong``). *split*, when given, is the
    split of every task (``suites add --private``)."""
    tasks = [_task(path, lineno, line, name, split) for lineno, line in _lines(path)]
    ids = [t.task_id for t in tasks]
    if len(set(ids)) != len(ids):
        raise UserInputError(f"prompts file {str(path)!r} repeats a prompt (or an id); "
                             "each line must ask something different")
    return Suite(name, f"tasks from {path}", str(path), tuple(tasks))


def _lines(path: Path) -> list[tuple[int, str]]:
    if not path.is_file():
        raise UserInputError(f"prompts file {str(path)!r} does not exist or is not a file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"cannot read prompts file {str(path)!r} ({exc})") from None
    numbered = [(lineno, line) for lineno, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise UserInputError(f"prompts file {str(path)!r} holds no prompts")
    return numbered


def _task(path: Path, lineno: int, line: str, suite: str, split: Split | None) -> Task:
    where = f"{path}:{lineno}"
    try:
        row = json.loads(line)
    except ValueError:
        raise UserInputError(f"{where}: not a JSON object; each line must be "
                             '{"prompt": ..., "tests": ..., "entry_point": ...}') from None
    if not isinstance(row, dict) or not isinstance(row.get("prompt"), str) \
            or not row["prompt"].strip():
        raise UserInputError(f"{where}: needs a non-empty string \"prompt\"")
    strings = {key: row.get(key, "") for key in _STRINGS}
    if not all(isinstance(value, str) for value in strings.values()):
        raise UserInputError(f"{where}: \"tests\", \"entry_point\", \"reference\" and "
                             "\"licence\" must be strings")
    if strings["tests"] and not strings["entry_point"]:
        raise UserInputError(f"{where}: has \"tests\" but no \"entry_point\" naming the "
                             "function they call")
    if strings["tests"] and "def check" not in strings["tests"]:
        raise UserInputError(f"{where}: \"tests\" must define check(candidate)")
    if strings["reference"] and not strings["tests"]:
        raise UserInputError(f"{where}: has a \"reference\" but no \"tests\" to check it")
    enums = {key: _enum(where, key, row.get(key), enum) for key, enum in _ENUMS.items()
             if row.get(key) is not None}
    if split is not None:
        enums["split"] = split
    task_id = str(row.get("id") or "prompt/" + _prompt_id(row["prompt"]))
    return Task(task_id=task_id, suite=suite, prompt=row["prompt"],
                entry_point=strings["entry_point"], reference=strings["reference"],
                tests=strings["tests"], licence=strings["licence"], origin=str(path),
                reference_whole=bool(strings["reference"]), **enums)


def _enum(where: str, key: str, value: Any, enum: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise UserInputError(f"{where}: \"{key}\" must be one of {allowed}, not "
                             f"{value!r}") from None


def _prompt_id(prompt: str) -> str:
    # the hash of the prompt's canonical JSON: the ids distill has always given
    return hashlib.sha256(json.dumps(prompt, ensure_ascii=False).encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Selection:
    """Which tasks of a suite a command works on (``--limit``, ``--task-ids``,
    ``--split``); the default is all of them."""

    limit: int | None = None
    task_ids: tuple[str, ...] = ()
    split: Split | None = None

    @property
    def everything(self) -> bool:
        return self.limit is None and not self.task_ids and self.split is None


def select_tasks(suite: Suite, selection: Selection) -> Suite:
    """The tasks of *suite* that *selection* names, in the suite's order (ids first,
    then the split, then the first ``limit``). An unknown id or a choice that leaves
    nothing raises one sentence."""
    if selection.everything:
        return suite
    if selection.limit is not None and selection.limit < 1:
        raise UserInputError(f"--limit must be at least 1, not {selection.limit}")
    unknown = [task_id for task_id in selection.task_ids if suite.get(task_id) is None]
    if unknown:
        raise UserInputError(f"suite {suite.name!r} has no task {unknown[0]!r}; list its "
                             f"task ids with 'fairclimb suites show {suite.name}'")
    wanted = set(selection.task_ids)
    tasks: Sequence[Task] = [t for t in suite.tasks if not wanted or t.task_id in wanted]
    if selection.split is not None:
        tasks = [t for t in tasks if t.split is selection.split]
    tasks = tasks[:selection.limit]
    if not tasks:
        raise UserInputError(f"no task of suite {suite.name!r} is in the "
                             f"{selection.split} split with these --task-ids")
    return replace(suite, tasks=tuple(tasks))


def choose_suite(name: str, tasks_file: Path | None, selection: Selection,
                 store: Store | None = None) -> Suite:
    """What a command that takes a suite works on: the tasks file when one is given
    (``--tasks``), else the suite *name* (shipped, or built into *store*), then the
    tasks *selection* names."""
    suite = (read_tasks(tasks_file, f"tasks:{tasks_file.name}") if tasks_file is not None
             else get_suite(name, store))
    return select_tasks(suite, selection)
