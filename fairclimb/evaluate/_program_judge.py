"""The judge suite builders use (``fairclimb.suites.Judge``), made of the run engine's
parts: programs are judged by the engine's checkers (on this machine or a Ray cluster,
as the options say), tests only, and a reference's
example answers are computed in the sandbox, never in this process (a reference is
trusted, but a suite built from a third-party file need not be).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fairclimb.evaluate._engine import EvalOptions, reach_executor
from fairclimb.evaluate._records import Verdict
from fairclimb.evaluate.judge._mutation import run_programs, run_references_then_mutants
from fairclimb.evaluate.judge._pool import node_for
from fairclimb.sandbox import CallKind, Sandbox, select_backend
from fairclimb.suites import Task

__all__ = ["ProgramJudge"]


class ProgramJudge:
    """Judges programs against their tasks' tests with *options*' workers, sandbox and
    limits (Node.js found when a JavaScript task is among them)."""

    def __init__(self, options: EvalOptions | None = None) -> None:
        self.options = options or EvalOptions()

    def prepare(self) -> None:
        reach_executor(self.options)

    def run(self, programs: Sequence[tuple[Task, str]], *,
            on_verdict: Callable[[int], None] | None = None) -> list[Verdict]:
        options = self.options
        return run_programs(programs, workers=options.workers, sandbox=options.sandbox,
                            limits=options.limits, node=self._node(t for t, _ in programs),
                            on_verdict=on_verdict, executor=options.executor)

    def run_references_then_mutants(
        self, references: Sequence[tuple[Task, str]],
        mutants_of: Callable[[Sequence[Verdict]], Sequence[tuple[Task, str]]], *,
        on_verdict: Callable[[int], None] | None = None,
    ) -> tuple[list[Verdict], list[Verdict], float]:
        options = self.options
        verdicts, mutants, limits = run_references_then_mutants(
            references, mutants_of, workers=options.workers, sandbox=options.sandbox,
            limits=options.limits, node=self._node(t for t, _ in references),
            on_verdict=on_verdict, executor=options.executor)
        return verdicts, mutants, limits.wall_s

    def reference_answers(self, asked: Sequence[tuple[Task, Sequence[tuple[Any, ...]]]],
                          ) -> list[list[Any] | None]:
        if not any(calls for _, calls in asked):
            return [[] for _ in asked]
        answers: list[list[Any] | None] = []
        with Sandbox(select_backend(self.options.sandbox), self.options.limits) as sandbox:
            for task, calls in asked:
                answers.append(_answers(sandbox, task, calls) if calls else [])
        return answers

    def _node(self, tasks: Iterable[Task]) -> str | None:
        return node_for(list(tasks), self.options.node)


def _answers(sandbox: Sandbox, task: Task, calls: Sequence[tuple[Any, ...]]) -> list[Any] | None:
    """What *task*'s reference returns for each of *calls*; None unless it returned plain
    data for every one."""
    execution = sandbox.execute(task.reference_program, task.entry_point)
    try:
        results = ([execution.call(args, {}) for args in calls]
                   if execution.load().ok else [])
    finally:
        execution.finish()
    if len(results) != len(calls) or any(r.kind is not CallKind.RETURNED for r in results):
        return None
    return [r.value for r in results]
