"""pass@k: the unbiased estimator and a bootstrap confidence interval over tasks.

``pass@k`` is the chance that at least one of ``k`` samples drawn without replacement
from a task's ``n`` samples is correct, when ``c`` of them are. Its unbiased estimator
(Chen et al. 2021, the Codex paper) is ``1 - C(n-c, k) / C(n, k)``; the binomials
overflow floats for the ``n`` people use, so it is computed as a product of ratios.

The uncertainty reported is a two-level percentile bootstrap: tasks are resampled with
replacement (a suite samples the space of problems), and within each drawn task its ``n``
samples are resampled too (a task's ``c`` correct of ``n`` is itself a draw), by drawing
``c* ~ Binomial(n, c/n)`` and recomputing that task's pass@k. Resampling tasks alone
treated 1 correct of 2 samples as exactly 50%. An interval needs at least two tasks;
with fewer it is not given (``None``, shown as "n/a") rather than a point ``[x, x]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # NumPy is imported where it is used: checker processes never need it
    import numpy as np
    import numpy.typing as npt

__all__ = ["PassAtK", "estimate_pass_at_k", "pass_at_k"]

_CONFIDENCE = 0.95
# Bootstrap index matrices are drawn in blocks of about this many entries, so that a
# suite with many tasks cannot make one rounds x tasks matrix eat the memory.
_BLOCK_ENTRIES = 1 << 20


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of pass@k for one task with ``n`` samples of which ``c`` pass."""
    if n < 1:
        raise ValueError(f"pass@k needs at least one sample, got n={n}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got k={k}")
    if not 0 <= c <= n:
        raise ValueError(f"the number correct must lie in [0, n={n}], got c={c}")
    if k > n:
        raise ValueError(f"k={k} exceeds the number of samples n={n}")
    if n - c < k:
        # Every draw of k samples contains a correct one.
        return 1.0
    # C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k/i). Multiplying from i = n down
    # makes adding a correct sample append one factor <= 1 at the end, so the rounded
    # result stays non-decreasing in c as well as in k.
    return 1.0 - math.prod(1.0 - k / i for i in range(n, n - c, -1))


@dataclass(frozen=True)
class PassAtK:
    """pass@k over a suite: the mean over tasks, with a 95% two-level bootstrap interval
    (``None`` bounds when fewer than two tasks leave nothing to resample)."""

    k: int
    estimate: float
    lower: float | None
    upper: float | None
    tasks: int
    min_samples: int  # the fewest samples any task had; k never exceeds it


def estimate_pass_at_k(
    counts: Mapping[str, tuple[int, int]],
    ks: Sequence[int] = (1, 10, 100),
    *,
    rounds: int = 1000,
    rng: np.random.Generator,
) -> list[PassAtK]:
    """pass@k for each ``k`` in ``ks`` that every task has enough samples for.

    ``counts`` maps a task id to ``(n samples, c correct)``. A ``k`` larger than some
    task's ``n`` is left out rather than estimated on a subset of tasks, which would
    silently change what the number means. The interval is a two-level percentile
    bootstrap (tasks, then samples within each task) with ``rounds`` resamples drawn
    from ``rng`` alone; under two tasks there is none.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got rounds={rounds}")
    if any(k < 1 for k in ks):
        raise ValueError(f"every k must be at least 1, got ks={list(ks)}")
    if not counts:
        return []
    pairs = list(counts.values())
    min_samples = min(n for n, _ in pairs)
    usable = sorted({k for k in ks if k <= min_samples})
    if not usable:
        return []
    # Per-task values are computed once (tasks x ks); the bootstrap only resamples rows.
    import numpy as np

    values = np.array([[pass_at_k(n, c, k) for k in usable] for n, c in pairs])
    estimates = values.mean(axis=0)
    if len(pairs) < 2:
        return [PassAtK(k, float(estimates[j]), None, None, len(pairs), min_samples)
                for j, k in enumerate(usable)]
    lower, upper = _bootstrap_interval(pairs, usable, rounds, rng)
    return [
        PassAtK(
            k=k,
            estimate=float(estimates[j]),
            # The percentile interval of a resampled mean holds the mean except for
            # rounding noise when all tasks agree; clamp so the report never contradicts.
            lower=float(min(lower[j], estimates[j])),
            upper=float(max(upper[j], estimates[j])),
            tasks=len(pairs),
            min_samples=min_samples,
        )
        for j, k in enumerate(usable)
    ]


def _pass_table(pairs: Sequence[tuple[int, int]], ks: Sequence[int]
                ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """pass@k of every task for every possible ``c'`` in ``0..n``, flattened, with each
    task's offset: the bootstrap then looks values up instead of recomputing them."""
    import numpy as np

    columns = []
    for n, _ in pairs:
        c = np.arange(n + 1)
        column = np.empty((n + 1, len(ks)))
        for j, k in enumerate(ks):
            # The same running product as pass_at_k: factors (1 - k/i) for i = n down.
            product = np.concatenate(([1.0], np.cumprod(1.0 - k / np.arange(n, 0, -1))))
            column[:, j] = np.where(n - c < k, 1.0, 1.0 - product)
        columns.append(column)
    offsets = np.cumsum([0] + [n + 1 for n, _ in pairs[:-1]])
    return np.concatenate(columns), offsets.astype(np.int64)


def _bootstrap_interval(
    pairs: Sequence[tuple[int, int]], ks: Sequence[int], rounds: int,
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Percentile bounds of mean pass@k over tasks resampled, then samples resampled."""
    import numpy as np

    table, offsets = _pass_table(pairs, ks)
    n = np.array([n for n, _ in pairs])
    rate = np.array([c / n for n, c in pairs])
    tasks = len(pairs)
    block = max(1, _BLOCK_ENTRIES // tasks)
    means = np.empty((rounds, len(ks)))
    for start in range(0, rounds, block):
        stop = min(rounds, start + block)
        # One resample serves every k, so the intervals of different k agree.
        index = rng.integers(0, tasks, size=(stop - start, tasks))
        correct = rng.binomial(n[index], rate[index])
        means[start:stop] = table[offsets[index] + correct].mean(axis=1)
    tail = (1.0 - _CONFIDENCE) / 2.0
    bounds = np.quantile(means, [tail, 1.0 - tail], axis=0)
    return bounds[0], bounds[1]
