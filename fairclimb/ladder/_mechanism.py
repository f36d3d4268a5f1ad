"""The Ladder (Blum & Hardt, 2015), parameter-free variant, and the naive board.

A submission is scored on the board's hidden tasks: its per-task score is the share of
its samples that passed (a task it did not answer scores 0), its score their mean. The
Ladder keeps, per team, the per-task scores of the submission it last released, and the
score it released for it. A new submission is released only when its score beats that
best (its true score and its released one) by more than the step ``s / sqrt(n)``, where
``s`` is the sample standard deviation of the paired per-task differences to the best
and ``n`` the number of tasks: the standard error of the difference, so a gain the
holdout cannot tell from noise is not released. A released score is rounded to the
nearest multiple of its step; otherwise the previous release is repeated. Either way
the team learns little more than one bit (improved or not) per submission, which is
what keeps adaptive resubmission from overfitting the hidden tasks.

The naive board releases every submission's exact score: the baseline that Blum &
Hardt's boosting attack climbs without any real gain (``benchmarks/ladder_attack.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

__all__ = ["BoardMode", "Best", "Release", "release"]


class BoardMode(StrEnum):
    LADDER = "ladder"  # release only gains beyond the step, rounded to it
    NAIVE = "naive"  # release the exact score every time


@dataclass(frozen=True, slots=True)
class Best:
    """A team's best submission so far: its per-task scores and what was released."""

    scores: Sequence[float]
    released: float


@dataclass(frozen=True, slots=True)
class Release:
    """What the board makes of one submission: its true ``score`` (the operator's),
    the ``step`` it was judged with, the score shown and whether it is a new best."""

    score: float
    step: float
    released: float
    improved: bool


def release(mode: BoardMode, scores: Sequence[float], best: Best | None) -> Release:
    """The board's answer to a submission with per-task *scores* (each in [0, 1], in
    the board's task order), given the team's *best* so far (None for a first one)."""
    current = np.asarray(scores, dtype=float)
    if current.size == 0:
        raise ValueError("a board scores at least one task")
    score = float(current.mean())
    if mode is BoardMode.NAIVE:
        improved = best is None or score > best.released
        return Release(score, 0.0, score, improved)
    if best is None:
        # Against nothing answered yet: the step is the score's own standard error.
        step = _step(current)
        return Release(score, step, _rounded(score, step), True)
    previous = np.asarray(best.scores, dtype=float)
    if previous.shape != current.shape:
        raise ValueError("per-task scores of one board must cover the same tasks")
    diffs = current - previous
    step = _step(diffs)
    # The gain is measured from the best's true score as well as from its release, so
    # a release rounded down cannot let a gain below the step through, and released
    # scores only rise. An answer that differs on no task is the same submission.
    floor = max(float(previous.mean()), best.released)
    if np.any(diffs != 0) and score > floor + step:
        return Release(score, step, _rounded(score, step), True)
    return Release(score, step, best.released, False)


def _step(values: np.ndarray) -> float:
    """The standard error of the mean of *values*: sample std over sqrt(n)."""
    if values.size < 2:
        return 0.0
    return float(values.std(ddof=1) / math.sqrt(values.size))


def _rounded(score: float, step: float) -> float:
    """*score* to the nearest multiple of *step*, within [0, 1] (exact when step is 0)."""
    if step <= 0:
        return score
    return min(1.0, max(0.0, round(score / step) * step))
