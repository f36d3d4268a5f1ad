"""The paired bootstrap both memorisation probes use (apart, so that the min-k probe and
the perturbation audit need not import each other)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fairclimb.errors import UserInputError
from fairclimb.evaluate import bootstrap_mean

__all__ = ["paired_bootstrap"]


def paired_bootstrap(first: Sequence[float], second: Sequence[float],
                     rng: np.random.Generator, rounds: int = 2000) -> tuple[float, float, float]:
    """The mean of ``first - second`` over pairs and its percentile interval, resampling
    pairs (tasks) with replacement: evaluate's paired bootstrap, the one ``climb report``
    and ``runs compare`` use. One pair has no spread: its interval is the point."""
    diffs = [a - b for a, b in zip(first, second, strict=True)]
    if not diffs:
        raise UserInputError("there are no paired tasks to compare")
    estimate = bootstrap_mean(diffs, rng, rounds)
    if estimate.lower is None or estimate.upper is None:
        return estimate.value, estimate.value, estimate.value
    return estimate.value, estimate.lower, estimate.upper
