"""Evaluating a samples file: validate, resume, deduplicate, check, record, summarise."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from fairclimb._version import __version__
from fairclimb.errors import UserInputError
from fairclimb.evaluate._engine import (
    Engine,
    EngineRun,
    EvalOptions,
    ProgressCallback,
    complete_result,
    reach_executor,
    with_perf_seed,
)
from fairclimb.evaluate._output import (
    SUMMARY,
    Manifest,
    ResultsFile,
    prepare_dir,
    read_existing,
    refuse_changed_tasks,
    refuse_other_private,
    write_json_atomic,
)
from fairclimb.evaluate._private import WEBDEV_NOTE, refuse_untestable, withheld
from fairclimb.evaluate._records import Result, Sample, Verdict
from fairclimb.evaluate._samples import file_sha256, read_samples
from fairclimb.evaluate._store_sink import StoreSink, stored_results
from fairclimb.evaluate._summary import Summary, summarize
from fairclimb.evaluate._text import path_text
from fairclimb.evaluate._warm import WarmCheckers
from fairclimb.evaluate.judge._efficiency import is_measured
from fairclimb.evaluate.judge._pool import Job, node_for
from fairclimb.sandbox import Backend, select_backend
from fairclimb.store import NewRun, Store
from fairclimb.suites import (
    Selection,
    Suite,
    Task,
    TaskKind,
    get_suite,
    select_tasks,
    suite_of_task,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "EvalOptions",
    "EvalOutcome",
    "EvalPlan",
    "ReferenceCheck",
    "ReferenceRanking",
    "check_references",
    "evaluate",
    "plan_evaluation",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EvalOutcome:
    summary: Summary
    out_dir: Path
    resumed: int  # samples whose verdicts were already on disk or in the store


@dataclass(frozen=True, slots=True)
class ReferenceRanking:
    """How an optimize task's two references compare on its heavy input."""

    task_id: str
    fast: Verdict
    slow: Verdict

    @property
    def ranked(self) -> bool:
        """Both were measured and the fast one scored higher."""
        return (self.fast.speed_score is not None and self.slow.speed_score is not None
                and self.slow.speed_score < self.fast.speed_score)


@dataclass(frozen=True, slots=True)
class ReferenceCheck:
    suite: str
    total: int
    failures: list[tuple[str, Verdict]]
    sandbox_warning: str | None
    rankings: list[ReferenceRanking] = field(default_factory=list)  # optimize tasks
    skipped: int = 0  # tasks without automatic tests (webdev)
    note: str | None = None
    #: debug tasks: how many buggy programs were run, and the tasks whose buggy
    #: program passes its tests (a bug the tests cannot see: a broken task)
    buggy_checked: int = 0
    buggy_passing: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return self.total - len(self.failures)


@dataclass(frozen=True, slots=True)
class EvalPlan:
    """A validated evaluation, ready to run: nothing has been written yet."""

    suite: Suite
    samples_path: Path
    samples: list[Sample]
    samples_sha256: str
    out_dir: Path
    options: EvalOptions
    backend: Backend
    node: str | None = None  # Node.js's path, when some samples are JavaScript


def plan_evaluation(suite_name: str | Suite, samples_path: Path, out_dir: Path,
                    options: EvalOptions, store: Store | None = None,
                    selection: Selection | None = None) -> EvalPlan:
    """Validate everything about an evaluation before anything is written (*store*,
    when given, is where suites built by fairclimb are looked up). With a *selection*
    only the samples of the tasks it names are checked."""
    whole = suite_name if isinstance(suite_name, Suite) else get_suite(suite_name, store)
    suite = select_tasks(whole, selection or Selection())
    refuse_undated(suite, options)
    if suite.tasks and all(task.kind is TaskKind.WEBDEV for task in suite.tasks):
        refuse_untestable(suite.tasks)
    every = read_samples(samples_path, whole, lambda task_id: suite_of_task(task_id, store))
    # the chosen tasks' samples, numbered afresh: results.jsonl is written in index order
    samples = [dataclasses.replace(sample, index=index) for index, sample in enumerate(
        s for s in every if suite.get(s.task_id) is not None)]
    refuse_untestable(_task_by_id(suite, sample.task_id) for sample in samples)
    backend = select_backend(options.sandbox)
    node = node_for((_task_by_id(suite, s.task_id) for s in samples), options.node)
    reach_executor(options)  # a Ray address that does not answer: before any write
    sha = file_sha256(samples_path)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserInputError(f"--out {str(out_dir)!r} exists and is not a directory")
    previous = Manifest.read(out_dir) if out_dir.is_dir() else None
    if previous is not None:
        previous.check_matches(Manifest(suite.name, path_text(samples_path), sha, None,
                                        options.include_private,
                                        tasks_sha256(suite, samples)), out_dir)
    return EvalPlan(suite, samples_path, samples, sha, out_dir, options, backend, node)


def evaluate(plan: EvalPlan, store: Store, on_progress: ProgressCallback | None = None,
             warm: WarmCheckers | None = None) -> EvalOutcome:
    """Check every sample of *plan*; resumable through *store* and its output directory.

    The store is the one truth a rerun resumes from: lines of ``results.jsonl`` that
    the store lacks (a run first made with another database) are added to it, then the
    file is rewritten whole, in input order, from what the store holds. *warm* are
    checkers started before the plan was made; used if they fit it.
    """
    suite, samples, out_dir = plan.suite, plan.samples, plan.out_dir
    run_id = store.find_resumable_run(path_text(out_dir), plan.samples_sha256)
    tasks_hash = tasks_sha256(suite, samples)
    # A resumed run measures with the seed it was started with, so the costs of its
    # two halves are of the same heavy inputs; a new run draws a new seed.
    options = _resumed_options(store, run_id, plan.options, out_dir, tasks_hash)
    prepare_dir(out_dir)
    in_file = read_existing(out_dir, samples)
    known: dict[int, Result] = {}
    if run_id is None:
        run_id = store.create_run(_new_run(plan, options, tasks_hash))
    else:
        known = stored_results(store, run_id, samples)
    from_file = {i: r for i, r in in_file.items() if i not in known}
    known.update(from_file)
    known = {i: complete_result(r, samples[i], _task_by_id(suite, samples[i].task_id),
                                options.include_private)
             for i, r in known.items()}
    Manifest(suite.name, path_text(plan.samples_path), plan.samples_sha256, run_id,
             options.include_private, tasks_hash).write(out_dir)
    started = time.monotonic()
    with StoreSink(store, run_id) as stored, \
            ResultsFile(out_dir, ((samples[i], r) for i, r in sorted(known.items()))) as file:
        stored.add_all((samples[i], known[i]) for i in sorted(from_file))
        ready = warm.fitting(suite, options, plan.node) if warm is not None else None
        run = Engine(suite, options, plan.node).run(
            samples, [file, stored], known=known, on_progress=on_progress, started=ready)
    summary = summary_of(suite, run, options, seconds=time.monotonic() - started,
                         backend=plan.backend, run_id=run_id)
    write_json_atomic(out_dir / SUMMARY, summary.to_json())
    store.finish_run(run_id, summary.to_json())
    return EvalOutcome(summary=summary, out_dir=out_dir, resumed=len(known))


def summary_of(suite: Suite, run: EngineRun, options: EvalOptions, *, seconds: float,
               backend: Backend, run_id: str) -> Summary:
    """The summary of an engine run, as every execution path reports and stores it."""
    ordered = run.in_order()
    distances = [r.fix_distance for _, r in ordered
                 if r.passed and r.fix_distance is not None]
    measured = any(is_measured(task) for task in suite.tasks
                   if task.task_id in {r.task_id for _, r in ordered})
    return summarize(
        suite.name, ((r.task_id, r.status) for _, r in ordered),
        seconds=seconds, sandbox=backend.name, sandbox_warning=backend.warning,
        deduplicated=run.deduplicated, run_id=run_id, ks=options.ks,
        rounds=options.bootstrap_rounds, rng=_rng(options.seed),
        speed_rows=speed_rows(r for _, r in ordered),
        mean_fix_distance=sum(distances) / len(distances) if distances else None,
        split_of=splits_of(suite),
        created_of={task.task_id: task.created for task in suite.tasks},
        after=options.after,
        perf_seed=options.perf_seed if measured else None,
    )


def refuse_undated(suite: Suite, options: EvalOptions) -> None:
    """``--after`` needs a suite whose tasks say when they were written."""
    if options.after is not None and not any(task.created for task in suite.tasks):
        raise UserInputError(
            f"the suite {suite.name} does not say when its tasks were written, so it cannot "
            f"be split at --after {options.after}; use a suite with creation dates, such as "
            "fairclimb-implement")


def speed_rows(results: Iterable[Result]) -> list[tuple[str, float, str]]:
    """The speed scores of a run, as :func:`summarize` takes them."""
    return [(r.task_id, r.verdict.speed_score, r.verdict.cost_measure)
            for r in results if r.verdict.speed_score is not None]


def splits_of(suite: Suite) -> dict[str, str]:
    """Each task's split, for the per-split aggregates of a summary."""
    return {task.task_id: task.split.value for task in suite.tasks}


def settings_of(options: EvalOptions) -> dict[str, object]:
    """The options a run is stored with (``board`` only for a ladder submission's run)."""
    settings: dict[str, object] = {
        "workers": options.workers, "limits": options.limits.as_dict(),
        "sandbox": options.sandbox, "ks": list(options.ks), "seed": options.seed,
        "include_private": options.include_private, "perf_seed": options.perf_seed}
    if options.board is not None:
        settings["board"] = options.board
    return settings


def _rng(seed: int) -> np.random.Generator:
    import numpy as np

    return np.random.default_rng(seed)


def tasks_sha256(suite: Suite, samples: Iterable[Sample]) -> str:
    """A hash of what decides the verdicts of the tasks the samples answer (prompt,
    tests, entry point, reference...), so a rebuilt suite is not resumed as the old."""
    ids = sorted({sample.task_id for sample in samples})
    material = [[task.task_id, task.prompt, task.tests, task.entry_point, task.reference,
                 task.kind.value, task.language.value, task.reference_whole, task.buggy,
                 task.slow_reference, task.perf_input]
                for task in (_task_by_id(suite, task_id) for task_id in ids)]
    return hashlib.sha256(json.dumps(material).encode()).hexdigest()


def _new_run(plan: EvalPlan, options: EvalOptions, tasks_hash: str) -> NewRun:
    return NewRun(
        suite=plan.suite.name, samples_path=path_text(plan.samples_path),
        samples_sha256=plan.samples_sha256, out_dir=path_text(plan.out_dir),
        settings={**settings_of(options), "tasks_sha256": tasks_hash}, sandbox=plan.backend.name,
        sandbox_warning=plan.backend.warning, fairclimb_version=__version__,
        n_samples=len(plan.samples),
    )


def _resumed_options(store: Store, run_id: str | None, options: EvalOptions,
                     out_dir: Path, tasks_hash: str) -> EvalOptions:
    """*options* as the run resumes with them: the first attempt's ``--include-private``
    choice (another is refused) and its performance-input seed (a new run: a new seed)."""
    run = None if run_id is None else store.get_run(run_id)
    if run is None:
        return with_perf_seed(options)
    first = run.settings.get("tasks_sha256")
    if first is not None:
        refuse_changed_tasks(str(first), tasks_hash, run.suite, out_dir)
    refuse_other_private(bool(run.settings.get("include_private", False)),
                         options.include_private, out_dir)
    seed = run.settings.get("perf_seed")
    return with_perf_seed(replace(options, perf_seed=None if seed is None else int(seed)))


def _task_by_id(suite: Suite, task_id: str) -> Task:
    task = suite.get(task_id)
    if task is None:  # read_samples checked every id; this would be a bug
        raise RuntimeError(f"task {task_id} vanished from suite {suite.name}")
    return task


def check_references(suite_name: str | Suite, options: EvalOptions,
                     on_progress: ProgressCallback | None = None,
                     store: Store | None = None) -> ReferenceCheck:
    """Run every task's reference solution against its own tests (a harness self-check).

    Optimize tasks have two references: both must pass, and both are measured on the
    heavy input as any sample would be, so the report shows how they rank. Debug tasks
    also run their buggy program, which must fail its tests.
    """
    suite = suite_name if isinstance(suite_name, Suite) else get_suite(suite_name, store)
    backend = select_backend(options.sandbox)
    engine = Engine.for_tasks(suite, options)
    testable = [t for t in suite.tasks if t.kind is not TaskKind.WEBDEV]
    skipped = len(suite.tasks) - len(testable)
    jobs = [Job(key=i, task_id=t.task_id, program=t.reference_program)
            for i, t in enumerate(testable)]
    slow_key = len(jobs)
    jobs += [Job(key=slow_key + i, task_id=t.task_id, program=t.slow_reference)
             for i, t in enumerate(testable) if t.slow_reference]
    checked = len(jobs)  # references, fast and slow
    buggy_key = slow_key + len(testable)  # keys are indices into testable, as above
    jobs += [Job(key=buggy_key + i, task_id=t.task_id, program=t.buggy)
             for i, t in enumerate(testable) if t.kind is TaskKind.DEBUG and t.buggy]
    failures: list[tuple[str, Verdict]] = []
    buggy_passing: list[str] = []
    verdicts: dict[int, Verdict] = {}

    def on_verdict(job: Job, verdict: Verdict) -> None:
        verdicts[job.key] = verdict
        if job.key >= buggy_key:
            if verdict.passed:
                buggy_passing.append(_reported_failure(tasks[job.task_id], verdict, options)[0])
        elif not verdict.passed:
            which = " (slow reference)" if job.key >= slow_key else ""
            task_id, shown = _reported_failure(tasks[job.task_id], verdict, options)
            failures.append((task_id + which, shown))
        if on_progress is not None:
            on_progress(len(verdicts), len(jobs))

    tasks = {t.task_id: t for t in testable}
    engine.judge(jobs, on_verdict, tasks)
    failures.sort(key=lambda failure: failure[0])
    rankings = [ReferenceRanking(job.task_id, verdicts[job.key - slow_key],
                                 verdicts[job.key])
                for job in jobs if slow_key <= job.key < buggy_key]
    return ReferenceCheck(suite.name, checked, failures, backend.warning, rankings, skipped,
                          f"{skipped} tasks skipped: {WEBDEV_NOTE}" if skipped else None,
                          len(jobs) - checked, sorted(buggy_passing))


def _reported_failure(task: Task, verdict: Verdict,
                      options: EvalOptions) -> tuple[str, Verdict]:
    """A failing reference as it may be shown: a private task by neither id nor detail."""
    shown = withheld(verdict, task, options.include_private)
    if shown is verdict:
        return task.task_id, verdict
    return "a private task (rerun with --include-private to name it)", shown


def require_references_pass(suite: Suite, options: EvalOptions) -> None:
    """Refuse a tasks file whose given references fail their own tests (checked in the
    sandbox by the run engine, like any suite's): its tests would grade nobody fairly."""
    with_reference = tuple(t for t in suite.tasks if t.reference and t.tests)
    if not with_reference:
        return
    report = check_references(dataclasses.replace(suite, tasks=with_reference), options)
    if report.failures:
        task_id, verdict = report.failures[0]
        raise UserInputError(
            f"{suite.origin}: the reference of task {task_id!r} fails its own tests "
            f"({verdict.status.value}: {verdict.detail}); fix the task or drop its "
            f"reference ({len(report.failures)} of {report.total} references fail)")
