"""Efficiency of optimize tasks: the cost of one heavy call, measured from outside.

A candidate that passed its correctness tests is run again on the task's heavy input
(built by the suite's trusted ``perf_input`` code in this process and sent as plain
data). Each run is a fresh child of a sandbox of its own whose process limit is 1, so
the call's work cannot move to a thread or a forked helper; the child loads the program
and makes exactly that call, and its CPU time is what the kernel charged it, read by
the zygote from ``wait4`` after it died. Nothing the candidate reports is used, so
patching clocks, sleeping or printing timings changes nothing. The fixed cost of a run
(fork, decoding the arguments) is the same run with a program that does nothing; it is
subtracted. Work done while loading is not subtracted: it is part of the program's cost.

The best (least) of ``runs`` runs is kept, which filters the noise that only ever adds
time (other processes, cache misses). The score puts the cost on the log scale between
the task's two references, measured the same way on the same machine in the same run:
``0`` is as slow as the slow reference, ``1`` as fast as the fast one. See
``docs/optimize.md``.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import logging
import math
import random
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from fairclimb.errors import FairclimbError, SandboxError
from fairclimb.evaluate._records import Status, Verdict
from fairclimb.evaluate._text import well_formed
from fairclimb.evaluate.judge._alarm import TimeLimitReached, time_limit
from fairclimb.sandbox import (
    Call,
    CallKind,
    Limits,
    Sandbox,
    decode_value,
    encode_value,
    select_backend,
)
from fairclimb.suites import Task, TaskKind

if TYPE_CHECKING:
    import numpy as np

    from fairclimb.evaluate.judge._checker import CompiledTask

__all__ = [
    "CostMeasure",
    "MeasurementError",
    "CostMeter",
    "Efficiency",
    "HeavyInput",
    "ReferenceCosts",
    "SpeedJudge",
    "SpeedSummary",
    "build_heavy_input",
    "is_measured",
    "speed_score",
    "summarize_speed",
    "task_seed",
]

log = logging.getLogger(__name__)

DEFAULT_RUNS = 5
# Costs below this are noise (the fixed cost of a run varies by about a millisecond):
# they are raised to it, which also keeps the logarithm finite.
COST_FLOOR_S = 0.002
_CONFIDENCE = 0.95


class MeasurementError(FairclimbError):
    """A task's references cannot be measured (a bug of the suite, not of a sample)."""


class CostMeasure(StrEnum):
    CPU_TIME = "cpu_time"  # seconds of CPU the kernel charged the sandboxed process
    INSTRUCTIONS = "instructions"  # hardware instructions retired (perf_event_open)


@dataclass(frozen=True, slots=True)
class Efficiency:
    cost: float
    measure: CostMeasure
    speed_score: float


@dataclass(frozen=True, slots=True)
class ReferenceCosts:
    slow: float
    fast: float
    measure: CostMeasure


@dataclass(frozen=True, slots=True)
class HeavyInput:
    """The heavy call of a task and the answer its (trusted) fast reference gives.

    ``seed`` is what the task's ``heavy(rng)`` drew it with (``None`` for a legacy
    ``heavy()`` of fixed arguments), so a run's measured inputs can be rebuilt.
    """

    args: tuple[Any, ...]
    expected: Any
    seed: int | None = None


def is_measured(task: Task) -> bool:
    return task.kind is TaskKind.OPTIMIZE and bool(task.perf_input)


def build_heavy_input(compiled: CompiledTask, seed: int) -> HeavyInput:
    """Run the task's trusted ``heavy(rng)`` and its fast reference, in this process.

    ``rng`` is a :class:`random.Random` seeded with *seed*: the measured input is drawn
    anew for each run, so that nobody can know it in advance (a program that answered a
    published input by heart would otherwise score as fast as the fast reference).
    """
    task = compiled.task
    try:
        namespace: dict[str, Any] = {"__name__": "fairclimb_perf_input"}
        exec(compile(task.perf_input, f"<perf_input of {task.task_id}>", "exec"), namespace)
        heavy = namespace.get("heavy")
        if not callable(heavy):
            raise MeasurementError(f"the perf_input of {task.task_id} defines no heavy()")
        drawn = bool(inspect.signature(heavy).parameters)
        if not drawn:
            log.warning("the heavy input of %s is fixed (heavy() takes no rng): a program "
                        "can answer it by heart; define heavy(rng) to draw it per run",
                        task.task_id)
        args = heavy(random.Random(seed)) if drawn else heavy()
        if not isinstance(args, tuple):
            raise MeasurementError(f"heavy() of {task.task_id} must return a tuple of "
                                   "arguments")
        reference = compiled.namespace[task.entry_point]
        expected = reference(*copy.deepcopy(args))
        # Compared as the candidate's answer will arrive: through the codec.
        return HeavyInput(args, decode_value(encode_value(expected)), seed if drawn else None)
    except MeasurementError:
        raise
    except Exception as exc:  # the suite's own code: a bug of the task, not of a sample
        raise MeasurementError(f"the performance input of {task.task_id} cannot be built: "
                               f"{type(exc).__name__}: {exc}") from exc


def speed_score(cost: float, slow: float, fast: float) -> float:
    """Where *cost* lies between the references on a log scale: 0 slow, 1 fast.

    Ratios, not differences, are what noise and machines change alike, so the log form
    keeps a score stable where a linear one would swing with the slow reference's time.
    """
    slow, fast, cost = (max(value, COST_FLOOR_S) for value in (slow, fast, cost))
    if slow <= fast:
        raise ValueError(f"the slow reference ({slow:.4f}) is not slower than the fast "
                         f"one ({fast:.4f}); the task cannot normalise a cost")
    return (math.log(slow) - math.log(cost)) / (math.log(slow) - math.log(fast))


@dataclass(frozen=True, slots=True)
class _Run:
    cost: float | None  # CPU seconds of the whole child; None when the call failed
    status: Status = Status.PASSED
    detail: str = ""


class CostMeter:
    """Measures one call of a program in a sandbox that allows a single process."""

    def __init__(self, backend_name: str, limits: Limits, runs: int = DEFAULT_RUNS) -> None:
        if runs < 1:
            raise ValueError("runs must be at least 1")
        self.runs = runs
        self.limits = replace(limits, processes=1)
        self._backend_name = backend_name
        self._sandbox: Sandbox | None = None
        self.measure = CostMeasure.CPU_TIME

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    def cost(self, program: str, entry_point: str, heavy: HeavyInput) -> _Run:
        """The least cost over the runs, net of a run that does nothing.

        A failed run (an exception, a wrong answer, the time limit) ends the measurement:
        a program that is not right on the heavy input has no cost to speak of.
        """
        best: float | None = None
        for _ in range(self.runs):
            run = self._once(program, entry_point, heavy)
            if run.cost is None:
                return run
            best = run.cost if best is None else min(best, run.cost)
        assert best is not None
        baseline = self._baseline(entry_point, heavy)
        if baseline is None:
            return _Run(None, Status.CRASHED, "cost not measured: no run of the idle "
                                              "program was measured")
        return _Run(max(COST_FLOOR_S, best - baseline))

    def _baseline(self, entry_point: str, heavy: HeavyInput) -> float | None:
        idle = f"def {entry_point}(*args, **kwargs):\n    return None\n"
        costs = [self._once(idle, entry_point, HeavyInput(heavy.args, None)).cost
                 for _ in range(self.runs)]
        return min((cost for cost in costs if cost is not None), default=None)

    def _once(self, program: str, entry_point: str, heavy: HeavyInput) -> _Run:
        sandbox = self._started()
        call: Call = (heavy.args, {})
        execution = sandbox.execute(program, entry_point, [call])
        try:
            # Reading, decoding and comparing the answer are bounded like the tests are.
            with time_limit(self.limits.wall_s + 1.0):
                loaded = execution.load()
                result = execution.call(*call) if loaded.ok else None
                right = result is not None and result.kind is CallKind.RETURNED and (
                    result.value == heavy.expected)
        except TimeLimitReached:
            return _Run(None, Status.TIMEOUT, "time limit reached while reading the answer "
                                              "on the performance input")
        finally:
            report = execution.finish()
        if result is None:
            return _Run(None, Status.ERROR, "the program did not load for the heavy run")
        if result.kind is CallKind.TIMED_OUT or report.killed_for == "wall":
            return _Run(None, Status.TIMEOUT, "time limit reached on the performance input")
        if result.kind is CallKind.RAISED:
            return _Run(None, Status.ERROR, f"on the performance input it raised "
                                            f"{result.error_type}: {result.message}"[:300])
        if result.kind is not CallKind.RETURNED:
            return _Run(None, Status.ERROR, f"the program stopped on the performance input "
                                            f"({result.kind.value})")
        if not right:
            return _Run(None, Status.FAILED, "wrong answer on the performance input")
        if not report.measured:
            # The zygote was lost before it reaped the child: the stand-in report holds
            # no CPU time, and a cost it does not have must never count as cheap.
            return _Run(None, Status.CRASHED, "cost not measured: the sandbox was lost "
                                              "before it measured the performance run")
        return _Run(report.cpu_s)

    def _started(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = Sandbox(select_backend(self._backend_name), self.limits)
            self._sandbox.start()
        return self._sandbox


@dataclass
class SpeedJudge:
    """Adds cost and speed score to the verdicts of optimize tasks, in one checker.

    The references' costs and the heavy inputs are measured once per task and kept for
    the run, so every candidate of a task is normalised by the same two numbers. Each
    task's heavy input is drawn with a seed derived from *seed* (by default drawn from
    the operating system's randomness when the judge is made, so no one knows it before
    the run); every measured verdict's detail names the task's seed.
    """

    meter: CostMeter
    seed: int = field(default_factory=lambda: secrets.randbits(63))
    _heavy: dict[str, HeavyInput] = field(default_factory=dict)
    _references: dict[str, ReferenceCosts] = field(default_factory=dict)

    def judge(self, compiled: CompiledTask, program: str, verdict: Verdict) -> Verdict:
        """*verdict* with the cost and speed score added, or the heavy run's failure."""
        task = compiled.task
        if not verdict.passed or not is_measured(task):
            return verdict
        heavy = self._heavy_input(compiled)
        references = self.reference_costs(compiled)
        try:
            run = self.meter.cost(program, task.entry_point, heavy)
        except (SandboxError, MeasurementError):
            raise
        except Exception as exc:  # whatever the sample's run raises is its verdict
            log.warning("measuring a sample of %s raised %s", task.task_id,
                        type(exc).__name__)
            return replace(verdict, status=Status.FAILED, detail=(
                f"the performance run could not be judged ({type(exc).__name__})"))
        if run.cost is None:
            # The detail may quote the sandbox (an exception message): made well-formed.
            return replace(verdict, status=run.status,
                           detail=well_formed(_with_seed(run.detail, heavy)))
        if references.slow <= references.fast:
            raise MeasurementError(f"the slow reference of {task.task_id} measured faster "
                                   "than the fast one")
        score = speed_score(run.cost, references.slow, references.fast)
        return replace(verdict, cost=run.cost, cost_measure=self.meter.measure.value,
                       speed_score=score, detail=_with_seed(verdict.detail, heavy))

    def reference_costs(self, compiled: CompiledTask) -> ReferenceCosts:
        task = compiled.task
        if task.task_id not in self._references:
            heavy = self._heavy_input(compiled)
            costs = []
            for program in (task.slow_reference, task.reference_program):
                run = self.meter.cost(program, task.entry_point, heavy)
                if run.cost is None:
                    raise MeasurementError(f"a reference of {task.task_id} failed on its "
                                     f"performance input: {run.detail}")
                costs.append(run.cost)
            self._references[task.task_id] = ReferenceCosts(costs[0], costs[1],
                                                            self.meter.measure)
        return self._references[task.task_id]

    def _heavy_input(self, compiled: CompiledTask) -> HeavyInput:
        task_id = compiled.task.task_id
        if task_id not in self._heavy:
            self._heavy[task_id] = build_heavy_input(compiled, task_seed(self.seed, task_id))
        return self._heavy[task_id]


def task_seed(seed: int, task_id: str) -> int:
    """The seed of one task's heavy input in a run seeded with *seed*."""
    digest = hashlib.sha256(f"{seed}:{task_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _with_seed(detail: str, heavy: HeavyInput) -> str:
    if heavy.seed is None:
        return detail
    return f"{detail}; performance input seed {heavy.seed}"


@dataclass(frozen=True, slots=True)
class SpeedSummary:
    """Mean speed score over tasks (each task: the mean over its scored samples)."""

    mean: float
    lower: float
    upper: float
    tasks: int
    samples: int
    measure: str

    def to_json(self) -> dict[str, Any]:
        return {"mean": self.mean, "lower": self.lower, "upper": self.upper,
                "tasks": self.tasks, "samples": self.samples, "measure": self.measure}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SpeedSummary:
        return cls(float(data["mean"]), float(data["lower"]), float(data["upper"]),
                   int(data["tasks"]), int(data["samples"]), str(data["measure"]))


def summarize_speed(rows: Iterable[tuple[str, float, str]], *, rounds: int,
                    rng: np.random.Generator) -> SpeedSummary | None:
    """``(task_id, speed score, measure)`` rows to a mean with a bootstrap interval.

    Only samples that passed carry a score; pass@k reports the rest. The interval
    resamples tasks, as pass@k's does.
    """
    by_task: dict[str, list[float]] = {}
    measures: set[str] = set()
    for task_id, score, measure in rows:
        by_task.setdefault(task_id, []).append(score)
        measures.add(measure)
    if not by_task:
        return None
    import numpy as np

    values = np.array([sum(scores) / len(scores) for scores in by_task.values()])
    index = rng.integers(0, len(values), size=(rounds, len(values)))
    means = values[index].mean(axis=1)
    tail = (1.0 - _CONFIDENCE) / 2.0
    lower, upper = np.quantile(means, [tail, 1.0 - tail])
    mean = float(values.mean())
    return SpeedSummary(mean, float(min(lower, mean)), float(max(upper, mean)),
                        len(values), sum(len(s) for s in by_task.values()),
                        "+".join(sorted(measures)))
