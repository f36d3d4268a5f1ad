"""Answers from the generation cache (``fairclimb generate``), as raters should see them.

A cached call holds the chat instruction we sent and the model's raw reply. A rater
judges the task, not our prompt template, and the code, not the prose around it: each
call is matched back to its suite task by the hash of the request that task makes
(the same :func:`build_request` generation used), and the answer is the code that
evaluation would run (:func:`sample_line`). Calls that match no task are skipped and
counted, never shown with the template.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairclimb.errors import UserInputError
from fairclimb.evaluate import build_request, sample_line
from fairclimb.models import ApiStyle, GenerationParams
from fairclimb.store import SampleIn
from fairclimb.suites import Suite, Task

__all__ = ["CachedCall", "GenerationFilter", "GenerationImport", "generation_samples",
           "run_cache_keys", "shown_code"]

CachedCall = tuple[str, str, dict[str, Any], dict[str, Any]]  # key, model, request, reply


@dataclass(frozen=True, slots=True)
class GenerationFilter:
    """Which cached calls to import: one model, one suite, one generation run (its
    output directory), each optional."""

    model: str | None = None
    suite: str | None = None
    run: Path | None = None


@dataclass(frozen=True, slots=True)
class GenerationImport:
    """What ``import-generations`` did: answers added and calls left out, by reason."""

    added: int
    matched: int
    unmatched: int  # calls that are no task of the suites searched


def run_cache_keys(run_dir: Path) -> set[str]:
    """The cache keys of the calls a ``fairclimb generate`` run directory holds."""
    path = run_dir / "samples.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"cannot read {path} ({exc}); --run takes the output directory "
                             "of 'fairclimb generate'") from None
    keys: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            keys.add(str(row["provenance"]["cache_key"]))
        except (json.JSONDecodeError, KeyError, TypeError):
            raise UserInputError(f"{path} line {number} is not a sample of 'fairclimb "
                                 "generate' (no provenance.cache_key)") from None
    return keys


def generation_samples(generations: Iterable[CachedCall], suites: Sequence[Suite],
                       chosen: GenerationFilter, keys: set[str] | None
                       ) -> tuple[list[SampleIn], int]:
    """(answers to import, calls matching no task) for cached (cache key, model,
    request, completion) calls; with *keys*, only those calls (a run's)."""
    tasks = _tasks_by_prompt_hash(suites)
    samples: list[SampleIn] = []
    unmatched = 0
    for key, model, request, completion in generations:
        if (keys is not None and key not in keys) or chosen.model not in (None, model):
            continue
        found = tasks.get(str(request.get("prompt_hash", "")))
        text = completion.get("text")
        if found is None or not isinstance(text, str) or not text.strip():
            unmatched += 1
            continue
        suite, task, style = found
        samples.append(SampleIn(
            model=model, prompt=task.prompt, answer=shown_code(task, style, text),
            suite=suite, task_id=task.task_id, language=task.language.value,
            kind=task.kind.value, origin="generation"))
    return samples, unmatched


def _tasks_by_prompt_hash(suites: Sequence[Suite]) -> dict[str, tuple[str, Task, ApiStyle]]:
    """The request a task makes depends on the task and the API style only (parameters
    and sample index are not in the prompt hash)."""
    found: dict[str, tuple[str, Task, ApiStyle]] = {}
    for suite in suites:
        for task in suite.tasks:
            for style in ApiStyle:
                request = build_request(task, style, GenerationParams(), 0)
                found.setdefault(request.prompt_hash, (suite.name, task, style))
    return found


def shown_code(task: Task, style: ApiStyle, text: str) -> str:
    """The code evaluation would run: a completion continues the task's prompt."""
    line = sample_line(task, style, text)
    if "completion" in line:
        return task.prompt + str(line["completion"])
    return str(line["solution"])
