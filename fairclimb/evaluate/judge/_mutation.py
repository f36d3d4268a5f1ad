"""Running mutants: which single-bug variants of a reference do a task's tests kill?

A mutant is killed when it fails at least one test in any way (a wrong answer, an
exception, a crash or a timeout). Mutants run through the same pool of sandboxed
checkers as samples, under a short time limit: a few times what the slowest reference
needed, so that an infinite-loop mutant costs about a second, not the full sample limit.
Nothing is measured for cost: the tests' verdict is all the gate needs. The checkers
come from the judge's one pool maker
(:func:`~fairclimb.evaluate.judge._checkers.checkers`), as for samples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from fairclimb.evaluate._records import Verdict
from fairclimb.evaluate.judge._checkers import Checkers, checkers
from fairclimb.evaluate.judge._pool import Job
from fairclimb.executor import ExecutorChoice
from fairclimb.sandbox import Limits
from fairclimb.suites import Task

__all__ = ["ProgressCallback", "mutant_limits", "run_programs", "run_references_then_mutants"]

ProgressCallback = Callable[[int, int], None]

_MUTANT_TIME_FACTOR = 4.0
_MUTANT_MIN_WALL_S = 1.0
# A mutant is judged by the tests alone: an optimize task's cost on its heavy input
# would only slow the gate down.
_TESTS_ONLY = 0


def mutant_limits(limits: Limits, reference_walls: Sequence[float]) -> Limits:
    """*limits* with a wall clock of a few times the slowest reference (at least a
    second, at most the usual limit)."""
    slowest = max(reference_walls, default=0.0)
    wall = min(limits.wall_s, max(_MUTANT_MIN_WALL_S, _MUTANT_TIME_FACTOR * slowest))
    return dataclasses.replace(limits, wall_s=wall)


def run_programs(programs: Sequence[tuple[Task, str]], *, workers: int, sandbox: str,
                 limits: Limits, node: str | None = None,
                 on_verdict: Callable[[int], None] | None = None,
                 executor: ExecutorChoice | None = None) -> list[Verdict]:
    """The verdict of each ``(task, program)`` pair's tests on its program, in order.

    *on_verdict* is told the index of each pair as its verdict arrives.
    """
    if not programs:
        return []
    with checkers({task.task_id: task for task, _ in programs}, len(programs),
                  workers=workers, sandbox=sandbox, limits=limits, node=node,
                  perf_runs=_TESTS_ONLY, executor=executor) as pool:
        return _run_in(pool, programs, on_verdict)


def run_references_then_mutants(
    references: Sequence[tuple[Task, str]],
    mutants_of: Callable[[list[Verdict]], Sequence[tuple[Task, str]]], *,
    workers: int, sandbox: str, limits: Limits, node: str | None = None,
    on_verdict: Callable[[int], None] | None = None,
    executor: ExecutorChoice | None = None,
) -> tuple[list[Verdict], list[Verdict], Limits]:
    """Run the references, then the mutants *mutants_of* picks given their verdicts,
    under :func:`mutant_limits`. One pool serves both when the limits agree (starting
    checkers costs seconds). Returns both verdict lists and the mutants' limits."""
    if not references:
        return [], [], limits
    tasks = {task.task_id: task for task, _ in references}
    with checkers(tasks, len(references), workers=workers, sandbox=sandbox, limits=limits,
                  node=node, perf_runs=_TESTS_ONLY, executor=executor) as pool:
        verdicts = _run_in(pool, references, on_verdict)
        mutants = mutants_of(verdicts)
        short = mutant_limits(limits, [v.wall_s for v in verdicts if v.passed])
        if short == limits:
            return verdicts, _run_in(pool, mutants, on_verdict), short
    return verdicts, run_programs(mutants, workers=workers, sandbox=sandbox, limits=short,
                                  node=node, on_verdict=on_verdict, executor=executor), short


def _run_in(pool: Checkers, programs: Sequence[tuple[Task, str]],
            on_verdict: Callable[[int], None] | None) -> list[Verdict]:
    jobs = [Job(key=i, task_id=task.task_id, program=program)
            for i, (task, program) in enumerate(programs)]
    verdicts: dict[int, Verdict] = {}

    def record(job: Job, verdict: Verdict) -> None:
        verdicts[job.key] = verdict
        if on_verdict is not None:
            on_verdict(job.key)

    pool.run(jobs, record)
    return [verdicts[i] for i in range(len(jobs))]
