"""Evaluating a samples file: validate, resume, deduplicate, check, record, summarise."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fairclimb import __version__
from fairclimb.errors import UserInputError
from fairclimb.evaluate._efficiency import DEFAULT_RUNS
from fairclimb.evaluate._fix_distance import debug_extras, mean_fix_distance
from fairclimb.evaluate._output import (
    SUMMARY,
    Manifest,
    ResultsFile,
    prepare_dir,
    read_existing,
    write_json_atomic,
)
from fairclimb.evaluate._pool import Job, Pool, node_for
from fairclimb.evaluate._private import WEBDEV_NOTE, refuse_untestable, withheld
from fairclimb.evaluate._records import Sample, Status, Verdict
from fairclimb.evaluate._samples import file_sha256, program_of, read_samples
from fairclimb.evaluate._summary import Summary, summarize
from fairclimb.sandbox import Backend, Limits, select_backend
from fairclimb.store import NewRun, ResultRow, Store
from fairclimb.suites import Suite, Task, TaskKind, get_suite, suite_of_task

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

ProgressCallback = Callable[[int, int], None]  # (done, total)
_STORE_BATCH = 500
_STORE_EVERY_S = 0.5


@dataclass(frozen=True, slots=True)
class EvalOptions:
    workers: int = 1
    limits: Limits = field(default_factory=Limits)
    sandbox: str = "auto"
    ks: tuple[int, ...] = (1, 10, 100)
    bootstrap_rounds: int = 1000
    seed: int = 0
    perf_runs: int = DEFAULT_RUNS  # optimize tasks: heavy runs per program, best kept
    node: str = "node"  # Node.js for JavaScript samples: a path or a name on PATH
    #: write private tasks' verdict details (which quote their tests) to results
    include_private: bool = False

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise UserInputError("--workers must be at least 1")
        if self.perf_runs < 1:
            raise UserInputError("--perf-runs must be at least 1")


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


def plan_evaluation(suite_name: str, samples_path: Path, out_dir: Path,
                    options: EvalOptions, store: Store | None = None) -> EvalPlan:
    """Validate everything about an evaluation before anything is written (*store*,
    when given, is where suites built by fairclimb are looked up)."""
    suite = get_suite(suite_name, store)
    if suite.tasks and all(task.kind is TaskKind.WEBDEV for task in suite.tasks):
        refuse_untestable(suite.tasks)
    samples = read_samples(samples_path, suite, lambda task_id: suite_of_task(task_id, store))
    refuse_untestable(_task_by_id(suite, sample.task_id) for sample in samples)
    backend = select_backend(options.sandbox)
    node = node_for((_task_by_id(suite, s.task_id) for s in samples), options.node)
    sha = file_sha256(samples_path)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserInputError(f"--out {str(out_dir)!r} exists and is not a directory")
    previous = Manifest.read(out_dir) if out_dir.is_dir() else None
    if previous is not None:
        previous.check_matches(Manifest(suite.name, str(samples_path), sha, None), out_dir)
    return EvalPlan(suite, samples_path, samples, sha, out_dir, options, backend, node)


def evaluate(plan: EvalPlan, store: Store,
             on_progress: ProgressCallback | None = None) -> EvalOutcome:
    """Check every sample of *plan*; resumable through its output directory and *store*."""
    suite, samples, options, out_dir = plan.suite, plan.samples, plan.options, plan.out_dir
    prepare_dir(out_dir)
    done = read_existing(out_dir, samples)
    run_id = store.find_resumable_run(str(out_dir.resolve()), plan.samples_sha256)
    if run_id is None:
        run_id = store.create_run(NewRun(
            suite=suite.name, samples_path=str(plan.samples_path.resolve()),
            samples_sha256=plan.samples_sha256, out_dir=str(out_dir.resolve()),
            settings=_settings_of(options), sandbox=plan.backend.name,
            sandbox_warning=plan.backend.warning, fairclimb_version=__version__,
            n_samples=len(samples),
        ))
    else:
        done.update(_verdicts_in_store(store, run_id, done))
    Manifest(suite.name, str(plan.samples_path), plan.samples_sha256, run_id).write(out_dir)
    resumed = len(done)
    started = time.monotonic()
    verdicts, shared = _check_all(plan, done, store, run_id, on_progress)
    summary = summarize(
        suite.name, ((s.task_id, verdicts[s.index].status) for s in samples),
        seconds=time.monotonic() - started, sandbox=plan.backend.name,
        sandbox_warning=plan.backend.warning, deduplicated=shared, run_id=run_id,
        ks=options.ks, rounds=options.bootstrap_rounds,
        rng=_rng(options.seed), speed_rows=speed_rows(samples, verdicts),
        mean_fix_distance=mean_fix_distance(suite, samples, verdicts),
        split_of=splits_of(suite),
    )
    write_json_atomic(out_dir / SUMMARY, summary.to_json())
    store.finish_run(run_id, summary.to_json())
    return EvalOutcome(summary=summary, out_dir=out_dir, resumed=resumed)


def speed_rows(samples: list[Sample], verdicts: Mapping[int, Verdict]
               ) -> list[tuple[str, float, str]]:
    """The speed scores of a run, as :func:`summarize` takes them."""
    rows = []
    for sample in samples:
        verdict = verdicts.get(sample.index)
        if verdict is not None and verdict.speed_score is not None:
            rows.append((sample.task_id, verdict.speed_score, verdict.cost_measure))
    return rows


def splits_of(suite: Suite) -> dict[str, str]:
    """Each task's split, for the per-split aggregates of a summary."""
    return {task.task_id: task.split.value for task in suite.tasks}


def _rng(seed: int) -> np.random.Generator:
    import numpy as np

    return np.random.default_rng(seed)


def _settings_of(options: EvalOptions) -> dict[str, object]:
    return {"workers": options.workers, "limits": options.limits.as_dict(),
            "sandbox": options.sandbox, "ks": list(options.ks), "seed": options.seed,
            "include_private": options.include_private}


def _verdicts_in_store(store: Store, run_id: str, done: dict[int, Verdict]) -> dict[int, Verdict]:
    return {row.sample_index: Verdict(Status(row.status), row.detail)
            for row in store.results(run_id) if row.sample_index not in done}


def _check_all(plan: EvalPlan, done: dict[int, Verdict], store: Store, run_id: str,
               on_progress: ProgressCallback | None) -> tuple[dict[int, Verdict], int]:
    """Verdicts for every sample; identical programs of a task are checked once."""
    suite, samples, options, out_dir = plan.suite, plan.samples, plan.options, plan.out_dir
    programs = {s.index: program_of(s, _task_by_id(suite, s.task_id)) for s in samples}
    groups: dict[tuple[str, str], list[int]] = {}
    for sample in samples:
        groups.setdefault((sample.task_id, programs[sample.index]), []).append(sample.index)
    verdicts = dict(done)
    by_index = {sample.index: sample for sample in samples}
    recorder = _Recorder(store, run_id, by_index, programs)
    for index in sorted(done.keys() - store.result_indices(run_id)):
        recorder.add(index, done[index])  # the store catches up with results.jsonl
    with ResultsFile(out_dir, by_index, done, debug_extras(suite, by_index, programs)
                     ) as results:
        record = _Verdicts(verdicts, results, recorder, len(samples), on_progress,
                           _redactor(suite, by_index, options)).record
        jobs: list[Job] = []
        for (task_id, program), members in groups.items():
            known = next((verdicts[i] for i in members if i in verdicts), None)
            if known is None:
                jobs.append(Job(key=members[0], task_id=task_id, program=program))
            else:  # identical to a sample judged in an earlier run
                record(members, known)
        if on_progress is not None:
            on_progress(len(verdicts), len(samples))
        if jobs:
            tasks = {job.task_id: _task_by_id(suite, job.task_id) for job in jobs}
            with Pool(min(options.workers, len(jobs)), options.sandbox, options.limits,
                      tasks, perf_runs=options.perf_runs, node=plan.node) as pool:
                pool.run(jobs, lambda job, verdict: record(groups[(job.task_id, job.program)],
                                                           verdict))
        recorder.flush()
    return verdicts, len(samples) - len(groups)


def _task_by_id(suite: Suite, task_id: str) -> Task:
    task = suite.get(task_id)
    if task is None:  # read_samples checked every id; this would be a bug
        raise RuntimeError(f"task {task_id} vanished from suite {suite.name}")
    return task


Redact = Callable[[int, Verdict], Verdict]  # (sample index, verdict) -> what is written


def _redactor(suite: Suite, samples: Mapping[int, Sample], options: EvalOptions) -> Redact:
    def redact(index: int, verdict: Verdict) -> Verdict:
        return withheld(verdict, _task_by_id(suite, samples[index].task_id),
                        options.include_private)
    return redact


class _Verdicts:
    """Where each new verdict goes: the verdict map, results.jsonl, the store, progress."""

    def __init__(self, verdicts: dict[int, Verdict], results: ResultsFile,
                 recorder: _Recorder, total: int,
                 on_progress: ProgressCallback | None, redact: Redact | None = None) -> None:
        self._verdicts = verdicts
        self._redact = redact
        self._results = results
        self._recorder = recorder
        self._total = total
        self._on_progress = on_progress

    def record(self, members: list[int], verdict: Verdict) -> None:
        """Give *verdict* to every sample in *members* that has none yet."""
        for index in members:
            if index not in self._verdicts:
                self._verdicts[index] = verdict
                shown = verdict if self._redact is None else self._redact(index, verdict)
                self._results.add(index, shown)
                self._recorder.add(index, shown)
        if self._on_progress is not None:
            self._on_progress(len(self._verdicts), self._total)


class _Recorder:
    """Writes verdicts to the store in batches, so the store never lags far behind."""

    def __init__(self, store: Store, run_id: str, samples: Mapping[int, Sample],
                 programs: Mapping[int, str]) -> None:
        self._store = store
        self._run_id = run_id
        self._samples = samples
        self._programs = programs
        self._pending: list[ResultRow] = []
        self._last = time.monotonic()

    def add(self, index: int, verdict: Verdict) -> None:
        sample = self._samples[index]
        self._pending.append(ResultRow(
            sample_index=index, task_id=sample.task_id, status=verdict.status.value,
            passed=verdict.passed, detail=verdict.detail,
            program_sha256=hashlib.sha256(self._programs[index].encode()).hexdigest(),
            cpu_s=verdict.cpu_s, wall_s=verdict.wall_s,
        ))
        now = time.monotonic()
        if len(self._pending) >= _STORE_BATCH or now - self._last >= _STORE_EVERY_S:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._store.add_results(self._run_id, self._pending)
            self._pending = []
        self._last = time.monotonic()


def check_references(suite_name: str, options: EvalOptions,
                     on_progress: ProgressCallback | None = None,
                     store: Store | None = None) -> ReferenceCheck:
    """Run every task's reference solution against its own tests (a harness self-check).

    Optimize tasks have two references: both must pass, and both are measured on the
    heavy input as any sample would be, so the report shows how they rank. Debug tasks
    also run their buggy program, which must fail its tests.
    """
    suite = get_suite(suite_name, store)
    backend = select_backend(options.sandbox)
    node = node_for(suite.tasks, options.node)
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
    if jobs:
        with Pool(min(options.workers, len(jobs)), options.sandbox, options.limits,
                  tasks, perf_runs=options.perf_runs, node=node) as pool:
            pool.run(jobs, on_verdict)
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
