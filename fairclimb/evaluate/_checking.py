"""A checker pool that stays warm across many batches: the same checkers and sandboxes
as ``fairclimb eval``, started once and fed batch after batch (execution rewards for
RL, where a pool start per training step would cost more than the checking).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fairclimb.evaluate._engine import EvalOptions
from fairclimb.evaluate._private import refuse_untestable
from fairclimb.evaluate._records import Sample, SampleForm, Verdict
from fairclimb.evaluate._samples import program_of
from fairclimb.evaluate.generation._prompts import sample_line
from fairclimb.evaluate.judge._checkers import checkers
from fairclimb.evaluate.judge._pool import Job, Pool, node_for
from fairclimb.models import ApiStyle
from fairclimb.suites import Task

__all__ = ["CheckerPool", "Check", "answer_program"]


def answer_program(task: Task, text: str, style: ApiStyle) -> str:
    """The whole program a model's raw *text* stands for, extracted exactly as
    generation does it for *style* (completion: cut at the stops and appended to the
    prompt; chat: the code block, with the prompt's imports and helpers put back)."""
    line = sample_line(task, style, text)
    form = SampleForm.SOLUTION if "solution" in line else SampleForm.COMPLETION
    return program_of(Sample(0, task.task_id, form, line[form.value], line), task)


@dataclass(frozen=True, slots=True)
class Check:
    """One program to judge against one task's trusted tests."""

    task: Task
    program: str


class CheckerPool:
    """Checker processes (each with its own warm sandbox) kept for many :meth:`check`
    calls. Tasks may arrive with any batch; each checker compiles a task once.

    Use as a context manager, or call :meth:`close`. Not thread-safe: one batch at a time.
    """

    def __init__(self, options: EvalOptions | None = None) -> None:
        self._options = options or EvalOptions()
        self._pool: Pool | None = None
        self.starts = 0  # how many times checkers were started (once, in a healthy run)

    def __enter__(self) -> CheckerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def started(self) -> bool:
        return self._pool is not None

    def check(self, checks: Sequence[Check]) -> list[Verdict]:
        """A verdict per check, in order; identical (task, program) pairs run once.
        A task without automatic tests (webdev) is refused, as ``eval`` refuses it."""
        if not checks:
            return []
        refuse_untestable(check.task for check in checks)
        pool = self._ensure(check.task for check in checks)
        keys: dict[tuple[str, str], int] = {}
        jobs: list[Job] = []
        for check in checks:
            pool.tasks.setdefault(check.task.task_id, check.task)
            pair = (check.task.task_id, check.program)
            if pair not in keys:
                keys[pair] = len(jobs)
                jobs.append(Job(key=len(jobs), task_id=pair[0], program=pair[1]))
        verdicts: dict[int, Verdict] = {}
        try:
            pool.run(jobs, lambda job, verdict: verdicts.__setitem__(job.key, verdict))
        except BaseException as exc:  # interrupted mid-batch: no checker is reused
            self._pool = None
            pool.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return [verdicts[keys[(c.task.task_id, c.program)]] for c in checks]

    def close(self) -> None:
        """Stop the checkers; a later :meth:`check` starts them again."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.__exit__(None, None, None)

    def _ensure(self, tasks: Iterable[Task]) -> Pool:
        wanted = list(tasks)
        node = node_for(wanted, self._options.node)
        if self._pool is not None and (node is None or self._pool.node is not None):
            return self._pool
        self.close()  # the first JavaScript task needs checkers that know Node.js
        options = self._options
        # The engine's pool maker, so rewards get Node.js and cost measurement exactly
        # as eval does; sized for the workers, since later batches reuse it.
        pool = checkers({task.task_id: task for task in wanted}, options.workers,
                        workers=options.workers, sandbox=options.sandbox,
                        limits=options.limits, node=node, perf_runs=options.perf_runs)
        self._pool = pool.__enter__()
        self.starts += 1
        return self._pool
