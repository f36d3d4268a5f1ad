"""Paired comparison of two runs on the same tasks: did the second do better, and how sure
is that?

Both runs answered the same tasks, so the comparison is paired: each task contributes the
difference of its two pass rates, and the 95% interval comes from a bootstrap over tasks
(resampling tasks, keeping each task's pair together). Pairing removes the variance of
task difficulty, which an unpaired comparison of two pass@1 intervals would count twice.
The bootstrap's random numbers come from a ``numpy.random.Generator`` the caller passes,
so a report is reproducible.

:func:`gain_gap` compares two such gains measured on disjoint task sets (a suite's public
and private splits): the difference of the mean gains, with an interval from resampling
each set's tasks on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fairclimb.errors import UserInputError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Estimate", "PairedComparison", "compare_paired", "gain_gap", "task_pass_rates"]

DEFAULT_ROUNDS = 2000
LEVEL = 0.95


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its interval; no interval (None) when fewer than two tasks."""

    value: float
    lower: float | None
    upper: float | None

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies wholly above or below 0 (beyond noise)."""
        return self.lower is not None and self.upper is not None and (
            self.lower > 0 or self.upper < 0)


@dataclass(frozen=True, slots=True)
class PairedComparison:
    """Two runs on the same tasks: pass@1 of each, their difference, tasks gained/lost.

    ``diffs`` holds each paired task's difference (other minus base) in the order of
    ``task_ids``; ``unpaired`` names the tasks only one run answered (left out).
    """

    task_ids: tuple[str, ...]
    base: float  # pass@1: the mean over tasks of each task's pass rate
    other: float
    diff: Estimate
    gained: tuple[str, ...]  # tasks whose pass rate rose
    lost: tuple[str, ...]  # tasks whose pass rate fell
    diffs: tuple[float, ...]
    unpaired: tuple[str, ...] = ()

    @property
    def tasks(self) -> int:
        return len(self.task_ids)

    def to_json(self, *, name_tasks: bool = True) -> dict[str, Any]:
        """Plain JSON; ``name_tasks=False`` gives counts only (for private tasks)."""
        def tasks(ids: tuple[str, ...]) -> list[str] | int:
            return list(ids) if name_tasks else len(ids)

        return {"tasks": self.tasks, "base": self.base, "other": self.other,
                "diff": self.diff.value, "lower": self.diff.lower, "upper": self.diff.upper,
                "gained": tasks(self.gained), "lost": tasks(self.lost),
                "unpaired": tasks(self.unpaired)}


def task_pass_rates(verdicts: Iterable[tuple[str, bool]]) -> dict[str, float]:
    """Each task's share of passing samples, from ``(task_id, passed)`` pairs (e.g. the
    stored results of a run)."""
    passed: dict[str, int] = {}
    total: dict[str, int] = {}
    for task_id, ok in verdicts:
        total[task_id] = total.get(task_id, 0) + 1
        passed[task_id] = passed.get(task_id, 0) + int(ok)
    return {task_id: passed[task_id] / total[task_id] for task_id in total}


def compare_paired(base: Mapping[str, float], other: Mapping[str, float],
                   rng: np.random.Generator, rounds: int = DEFAULT_ROUNDS) -> PairedComparison:
    """Pair *base* and *other* (task id → pass rate) by task and compare them.

    Tasks only one side has are left out and named in ``unpaired``. The interval of the
    difference is a paired bootstrap over the paired tasks (*rounds* resamples drawn from
    *rng*); with fewer than two paired tasks there is none.
    """
    if rounds < 1:
        raise UserInputError(f"the bootstrap needs at least 1 round, not {rounds}")
    for name, rates in (("base", base), ("other", other)):
        bad = [task for task, rate in rates.items() if not 0.0 <= rate <= 1.0]
        if bad:
            raise UserInputError(f"the {name} run's pass rate of {bad[0]} is "
                                 f"{rates[bad[0]]}, not a share between 0 and 1")
    paired = tuple(sorted(set(base) & set(other)))
    unpaired = tuple(sorted(set(base) ^ set(other)))
    diffs = tuple(other[task] - base[task] for task in paired)
    return PairedComparison(
        task_ids=paired, base=_mean(base[task] for task in paired),
        other=_mean(other[task] for task in paired),
        diff=bootstrap_mean(diffs, rng, rounds),
        gained=tuple(task for task, d in zip(paired, diffs, strict=True) if d > 0),
        lost=tuple(task for task, d in zip(paired, diffs, strict=True) if d < 0),
        diffs=diffs, unpaired=unpaired)


def gain_gap(first: Sequence[float], second: Sequence[float], rng: np.random.Generator,
             rounds: int = DEFAULT_ROUNDS) -> Estimate:
    """How much larger the mean of *first* is than the mean of *second* (each a list of
    per-task paired differences, on disjoint tasks), with a 95% interval from resampling
    each list's tasks on its own; none when either has fewer than two tasks."""
    import numpy as np

    value = _mean(first) - _mean(second)
    if len(first) < 2 or len(second) < 2:
        return Estimate(value, None, None)
    a = np.asarray(first, dtype=float)
    b = np.asarray(second, dtype=float)
    gaps = (a[rng.integers(0, len(a), size=(rounds, len(a)))].mean(axis=1)
            - b[rng.integers(0, len(b), size=(rounds, len(b)))].mean(axis=1))
    return _interval(value, gaps)


def bootstrap_mean(values: Sequence[float], rng: np.random.Generator,
                   rounds: int = DEFAULT_ROUNDS) -> Estimate:
    """The mean of *values* (per-task paired differences) with a 95% interval from
    resampling tasks; none when fewer than two tasks."""
    import numpy as np

    value = _mean(values)
    if len(values) < 2:
        return Estimate(value, None, None)
    array = np.asarray(values, dtype=float)
    means = array[rng.integers(0, len(array), size=(rounds, len(array)))].mean(axis=1)
    return _interval(value, means)


def _interval(value: float, draws: Any) -> Estimate:
    import numpy as np

    tail = (1.0 - LEVEL) / 2 * 100
    lower, upper = np.percentile(draws, [tail, 100 - tail])
    return Estimate(value, float(lower), float(upper))


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0
