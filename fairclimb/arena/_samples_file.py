"""Answers to compare, from a JSONL file (``fairclimb arena import FILE.jsonl``).

One object a line, the shape ``POST /api/samples`` takes: ``model``, ``prompt`` and
``answer`` (strings), and optionally ``suite``, ``task_id``, ``language``, ``kind``
(strings) and ``passed`` (true/false). A bad line is named with its number and nothing
is stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fairclimb.errors import UserInputError
from fairclimb.store import SampleIn

__all__ = ["read_samples_file"]

_REQUIRED = ("model", "prompt", "answer")
_OPTIONAL = ("suite", "task_id", "language", "kind")


def read_samples_file(path: Path) -> list[SampleIn]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"cannot read {path}: {exc}") from None
    samples = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            samples.append(_sample(line, f"{path} line {number}"))
    if not samples:
        raise UserInputError(f"{path} holds no answers; write one JSON object a line with "
                             "model, prompt and answer")
    return samples


def _sample(line: str, where: str) -> SampleIn:
    try:
        item: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{where} is not valid JSON ({exc.msg})") from None
    if not isinstance(item, dict):
        raise UserInputError(f"{where}: expected an object with model, prompt and answer")
    for key in _REQUIRED:
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise UserInputError(f"{where}: {key!r} is missing or not a non-empty string")
    for key in _OPTIONAL:
        if item.get(key) is not None and not isinstance(item[key], str):
            raise UserInputError(f"{where}: {key!r} must be a string")
    passed = item.get("passed")
    if passed is not None and not isinstance(passed, bool):
        raise UserInputError(f"{where}: 'passed' must be true, false or left out")
    return SampleIn(model=item["model"], prompt=item["prompt"], answer=item["answer"],
                    suite=item.get("suite"), task_id=item.get("task_id"),
                    language=item.get("language") or "python",
                    kind=item.get("kind") or "implement", passed=passed, origin="file")
