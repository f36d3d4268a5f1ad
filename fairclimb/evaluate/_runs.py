"""Reading stored runs back for people: find a run by an id prefix, list its results with
their programs, and compare two runs paired by task.

The comparison is :func:`compare_paired`, the engine the climb report uses; this module
only gathers each run's per-task pass rates and says which tasks flipped. Private tasks
stay private here as everywhere: their details, times and programs are withheld, and a
comparison counts them without naming them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairclimb.errors import FairclimbError, UserInputError
from fairclimb.evaluate._compare import PairedComparison, compare_paired, task_pass_rates
from fairclimb.evaluate._private import withheld
from fairclimb.evaluate._records import Status, Verdict
from fairclimb.evaluate._samples import program_of, read_samples
from fairclimb.store import ResultRow, RunRecord, Store
from fairclimb.suites import Split, Suite, Task, get_suite

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Flip", "ResultFilter", "RunComparison", "TaskPair", "TaskResult", "compare_runs",
           "resolve_run", "run_model", "run_results"]

_PROGRAM_WITHHELD = "program withheld: private task"


class Flip(StrEnum):
    """How a task's pass rate moved from the first run to the second."""

    GAINED = "gained"
    LOST = "lost"
    SAME = "same"


@dataclass(frozen=True, slots=True)
class TaskResult:
    """One sample's result as a person may see it (private tasks withheld)."""

    sample_index: int
    task_id: str
    kind: str
    language: str
    private: bool
    status: Status
    passed: bool
    detail: str
    program: str | None  # None when the samples file is gone or changed
    program_note: str = ""


@dataclass(frozen=True, slots=True)
class ResultFilter:
    status: Status | None = None
    task: str = ""  # a substring of the task id
    kind: str = ""


@dataclass(frozen=True, slots=True)
class TaskPair:
    task_id: str  # "" for a private task (not named)
    first: float
    second: float
    flip: Flip


@dataclass(frozen=True, slots=True)
class RunComparison:
    """Two runs paired by task: :class:`PairedComparison` of the engine, and each
    public task's pair of pass rates. ``private`` counts the paired private tasks."""

    first: RunRecord
    second: RunRecord
    comparison: PairedComparison
    pairs: tuple[TaskPair, ...]
    private: int

    def to_json(self) -> dict[str, Any]:
        named = {pair.task_id for pair in self.pairs}
        def public(ids: tuple[str, ...]) -> list[str]:
            return [task for task in ids if task in named]

        compared = self.comparison
        return {"run_a": self.first.run_id, "run_b": self.second.run_id,
                "model_a": run_model(self.first), "model_b": run_model(self.second),
                "suite_a": self.first.suite, "suite_b": self.second.suite,
                "tasks": compared.tasks, "private_tasks": self.private,
                "pass_at_1_a": compared.base, "pass_at_1_b": compared.other,
                "diff": compared.diff.value, "lower": compared.diff.lower,
                "upper": compared.diff.upper, "level": 0.95,
                "gained": public(compared.gained), "lost": public(compared.lost),
                "gained_count": len(compared.gained), "lost_count": len(compared.lost),
                "unpaired": len(compared.unpaired)}


def resolve_run(store: Store, ref: str) -> RunRecord:
    """The run whose id is *ref* or starts with it; one sentence when none or several."""
    ref = ref.strip()
    if not ref:
        raise UserInputError("a run id is empty; list the runs with fairclimb runs")
    exact = store.get_run(ref)
    if exact is not None and not exact.settings.get("board"):
        return exact  # a ladder board's run is the board's secret: not found here
    found = store.runs_starting_with(ref, limit=3)
    if not found:
        raise UserInputError(f"no run has an id starting with {ref!r}; "
                             "list the runs with fairclimb runs")
    if len(found) > 1:
        ids = ", ".join(run.run_id for run in found[:2])
        raise UserInputError(f"the run id prefix {ref!r} is ambiguous (it starts {ids}"
                             f"{' and more' if len(found) > 2 else ''}); type more of the id")
    return found[0]


def run_model(run: RunRecord) -> str:
    """The model a run evaluated, or "" when it checked a samples file."""
    generation = run.settings.get("generation")
    model = generation.get("model") if isinstance(generation, dict) else None
    return str(model) if model else ""


def run_results(store: Store, run: RunRecord,
                where: ResultFilter | None = None) -> list[TaskResult]:
    """The run's results with their programs (read from its samples file), filtered."""
    where = where or ResultFilter()
    tasks = _tasks_of(store, run.suite)
    programs, note = _programs(run, tasks)
    shown = []
    for row in store.results(run.run_id):
        result = _task_result(row, tasks.get(row.task_id), programs, note)
        if _matches(result, where):
            shown.append(result)
    return shown


def compare_runs(store: Store, first: RunRecord, second: RunRecord,
                 rng: np.random.Generator) -> RunComparison:
    """*second* against *first*, paired by task (the climb report's engine)."""
    rates = [task_pass_rates((row.task_id, row.passed) for row in store.results(run.run_id))
             for run in (first, second)]
    comparison = compare_paired(rates[0], rates[1], rng)
    private = _private_ids(store, first) | _private_ids(store, second)
    pairs = tuple(
        TaskPair(task, rates[0][task], rates[1][task],
                 Flip.GAINED if diff > 0 else Flip.LOST if diff < 0 else Flip.SAME)
        for task, diff in zip(comparison.task_ids, comparison.diffs, strict=True)
        if task not in private)
    return RunComparison(first, second, comparison, pairs,
                         sum(1 for task in comparison.task_ids if task in private))


def _tasks_of(store: Store, suite_name: str) -> dict[str, Task]:
    try:
        suite: Suite = get_suite(suite_name, store)
    except FairclimbError:  # a suite no longer known: results still show, bare
        return {}
    return {task.task_id: task for task in suite.tasks}


def _private_ids(store: Store, run: RunRecord) -> set[str]:
    return {task_id for task_id, task in _tasks_of(store, run.suite).items()
            if task.split is Split.PRIVATE}


def _programs(run: RunRecord, tasks: dict[str, Task]) -> tuple[dict[int, str], str]:
    """Each sample's program by index, from the run's samples file when it still holds
    what the run checked."""
    if not tasks:
        return {}, "the run's suite is not known to this store"
    try:
        suite = Suite(run.suite, "", "", tuple(tasks.values()))
        samples = read_samples(Path(run.samples_path), suite)
    except FairclimbError:
        return {}, f"the samples file {run.samples_path} is gone or no longer readable"
    return {index: program_of(sample, tasks[sample.task_id])
            for index, sample in enumerate(samples)}, ""


def _task_result(row: ResultRow, task: Task | None, programs: dict[int, str],
                 note: str) -> TaskResult:
    status = Status(row.status)
    detail = row.detail
    program = programs.get(row.sample_index)
    if program is not None and row.program_sha256 and (
            hashlib.sha256(program.encode()).hexdigest() != row.program_sha256):
        # the samples file was rewritten since: showing its line would misattribute it
        program, note = None, "the samples file has changed since this run"
    private = task is not None and task.split is Split.PRIVATE
    if task is not None and private:
        detail = withheld(Verdict(status, detail), task, include_private=False).detail
        program, note = None, _PROGRAM_WITHHELD
    elif program is None and not note:
        note = "the samples file no longer holds this sample"
    return TaskResult(row.sample_index, row.task_id,
                      task.kind.value if task else "", task.language.value if task else "",
                      private, status, row.passed, detail, program, note)


def _matches(result: TaskResult, where: ResultFilter) -> bool:
    return ((where.status is None or result.status is where.status)
            and (not where.task or where.task in result.task_id)
            and (not where.kind or result.kind == where.kind))
