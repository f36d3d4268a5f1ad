"""How large a fix was: the edit distance from the buggy program to the answer.

The distance is a Levenshtein distance over characters (insertions, deletions and
substitutions of one character cost 1), computed after normalising trailing
whitespace (each line's, and blank lines at the end). For speed it is line-aligned:
the two programs are first matched line by line (``difflib``), and characters are
compared only inside the blocks of lines that differ; an inserted or deleted block
costs its characters, newlines included. This equals the plain character Levenshtein
distance whenever the changed lines line up (the usual case for a fix) and is never
below it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fairclimb.evaluate._records import Sample, Verdict
from fairclimb.evaluate._samples import program_of
from fairclimb.suites import Suite, TaskKind

__all__ = ["debug_extras", "fix_distance", "mean_fix_distance"]


def fix_distance(buggy: str, answer: str) -> int:
    """Characters changed to turn *buggy* into *answer* (see the module's notes)."""
    old, new = _lines(buggy), _lines(answer)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    total = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # A block's newlines are counted as characters, as in the joined text.
        total += _levenshtein("\n".join(old[i1:i2]) + "\n", "\n".join(new[j1:j2]) + "\n"
                              ) if tag == "replace" else sum(
            len(line) + 1 for line in (old[i1:i2] if tag == "delete" else new[j1:j2]))
    return total


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _levenshtein(a: str, b: str) -> int:
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def debug_extras(suite: Suite, samples: Mapping[int, Sample], programs: Mapping[int, str]
                 ) -> Callable[[int], dict[str, Any]] | None:
    """The extra result keys of each sample: ``fix_distance`` for debug tasks."""
    if not any(task.kind is TaskKind.DEBUG for task in suite.tasks):
        return None

    def extras(index: int) -> dict[str, Any]:
        task = suite.get(samples[index].task_id)
        if task is None or task.kind is not TaskKind.DEBUG or not task.buggy:
            return {}
        return {"fix_distance": fix_distance(task.buggy, programs[index])}

    return extras


def mean_fix_distance(suite: Suite, samples: Sequence[Sample],
                      verdicts: Mapping[int, Verdict]) -> float | None:
    """The mean fix distance of the passing answers to debug tasks (None if none)."""
    distances = []
    for sample in samples:
        task = suite.get(sample.task_id)
        if (task is not None and task.kind is TaskKind.DEBUG and task.buggy
                and verdicts[sample.index].passed):
            distances.append(fix_distance(task.buggy, program_of(sample, task)))
    return sum(distances) / len(distances) if distances else None
