"""Reading samples files (JSONL, the human-eval convention) with errors people can act on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fairclimb.errors import SamplesFileError
from fairclimb.evaluate._records import Sample, SampleForm
from fairclimb.evaluate._text import well_formed_data
from fairclimb.suites import Suite, Task

__all__ = ["file_sha256", "program_of", "read_samples"]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_samples(path: Path, suite: Suite,
                 locate: Callable[[str], str | None] | None = None) -> list[Sample]:
    """Every sample of *path*, validated against *suite*; blank lines are skipped.

    A line may hold ``completion`` (continues the task's prompt) or ``solution`` (a
    whole program); when both are present, ``solution`` is used. *locate* names the
    suite a task id belongs to, so that an id of another suite can be explained.
    """
    if not path.exists():
        raise SamplesFileError(f"samples file {str(path)!r} does not exist")
    if not path.is_file():
        raise SamplesFileError(f"samples path {str(path)!r} is not a file")
    samples: list[Sample] = []
    try:
        with path.open(encoding="utf-8") as handle:
            for lineno, line in enumerate(handle, start=1):
                if line.strip():
                    samples.append(_parse_line(path, lineno, line, len(samples), suite,
                                               locate))
    except UnicodeDecodeError as exc:
        raise SamplesFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise SamplesFileError(f"cannot read samples file {str(path)!r}: {exc.strerror}") from None
    if not samples:
        raise SamplesFileError(f"samples file {str(path)!r} holds no samples")
    return samples


def _parse_line(path: Path, lineno: int, line: str, index: int, suite: Suite,
                locate: Callable[[str], str | None] | None) -> Sample:
    where = f"{path}:{lineno}"  # file:line:, as compilers and every other input of ours
    try:
        raw: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise SamplesFileError(
            f"{where}: not valid JSON ({exc.msg}, column {exc.colno})"
        ) from None
    if not isinstance(raw, dict):
        raise SamplesFileError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    # JSON escapes can spell lone surrogates and NUL, which no UTF-8 file and no
    # PostgreSQL text column take: the row is made well-formed here, once, so that
    # every writer of the run accepts what this reader accepted.
    raw = well_formed_data(raw)
    task_id = raw.get("task_id")
    if not isinstance(task_id, str):
        raise SamplesFileError(f"{where}: missing 'task_id' (a string such as 'HumanEval/0')")
    if suite.get(task_id) is None:
        home = locate(task_id) if locate is not None else None
        if home is not None and home != suite.name:
            raise SamplesFileError(
                f"{where}: the task {task_id!r} belongs to the suite {home}, not "
                f"{suite.name}; evaluate this file with --suite {home}", other_suite=home)
        example = suite.tasks[0].task_id if suite.tasks else "?"
        raise SamplesFileError(
            f"{where}: unknown task id {task_id!r} for suite {suite.name} "
            f"(its ids look like {example!r})"
        )
    for form in (SampleForm.SOLUTION, SampleForm.COMPLETION):
        if form.value in raw:
            code = raw[form.value]
            if not isinstance(code, str):
                raise SamplesFileError(f"{where}: '{form.value}' must be a string")
            return Sample(index=index, task_id=task_id, form=form, code=code, raw=raw)
    raise SamplesFileError(
        f"{where}: neither 'completion' nor 'solution' is given; add 'completion' "
        "(code that continues the prompt) or 'solution' (a whole program)"
    )


def program_of(sample: Sample, task: Task) -> str:
    """The whole program a sample stands for."""
    if sample.form is SampleForm.COMPLETION:
        return task.prompt + sample.code
    return sample.code
