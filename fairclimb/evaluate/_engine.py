"""The one run engine: samples from a source, judged once per distinct program, results
to sinks.

Every path that executes samples goes through here: ``eval`` (a samples file),
``eval --model`` (a model's answers as they arrive), ``distill`` (a teacher's answers)
and the harness self-checks. A source hands samples to a :class:`SampleFeed`, which
groups identical programs of a task so that each is judged once; the judge is a pool of
sandboxed checkers whose Node.js and cost measurement come from the options, so no
caller can forget them; every sample's :class:`Result` (its verdict as it may be shown,
a private task's detail withheld) goes to each sink in the pool's thread, so sinks need
no locks.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from fairclimb.errors import UserInputError
from fairclimb.evaluate._private import is_withheld, recorded
from fairclimb.evaluate._records import Result, Sample, Verdict
from fairclimb.evaluate._samples import program_of
from fairclimb.evaluate.judge._checkers import Checkers, checkers
from fairclimb.evaluate.judge._efficiency import DEFAULT_RUNS
from fairclimb.evaluate.judge._fix_distance import fix_distance
from fairclimb.evaluate.judge._pool import Job, JobQueue, Pool, node_for
from fairclimb.executor import ExecutorChoice, connect
from fairclimb.sandbox import Limits
from fairclimb.suites import Suite, Task, TaskKind

__all__ = ["Checkers", "Engine", "EngineRun", "EvalOptions", "ProgressCallback", "ResultSink",
           "SampleFeed", "SampleStream", "checkers", "complete_result", "reach_executor",
           "with_perf_seed"]

ProgressCallback = Callable[[int, int], None]  # (done, total)


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
    #: a model's training cutoff (ISO date): scores are also split at it, by task dates
    after: str | None = None
    #: the seed optimize tasks' heavy inputs are drawn from, one per run and recorded
    #: with it; None: the engine draws a new one (a resumed run passes its recorded one)
    perf_seed: int | None = None
    #: the ladder board a run scores a submission for: such a run's exact scores are the
    #: board's secret, so run listings, comparisons and the viewer leave it out
    board: str | None = None
    #: where the checkers run: this machine, or every node of a Ray cluster
    executor: ExecutorChoice = field(default_factory=ExecutorChoice)

    def __post_init__(self) -> None:
        if self.after is not None:
            try:
                date.fromisoformat(self.after)
            except ValueError:
                raise UserInputError(f"--after takes a date as YYYY-MM-DD, not "
                                     f"{self.after!r}") from None
        if self.workers < 1:
            raise UserInputError("--workers must be at least 1")
        if self.perf_runs < 1:
            raise UserInputError("--perf-runs must be at least 1")


class ResultSink(Protocol):
    """Where results go (``results.jsonl``, the store…); called in the engine's thread."""

    def add(self, sample: Sample, result: Result) -> None: ...


class SampleStream(Protocol):
    """Samples that arrive while the engine runs (say, a model's answers)."""

    def start(self, feed: SampleFeed) -> None:
        """Begin handing samples to ``feed.offer`` from another thread; close the feed
        when done, failed or not."""

    def finish(self) -> None:
        """Wait for the stream to end; raise what it failed with, if anything."""


@dataclass(frozen=True, slots=True)
class EngineRun:
    """What a run of the engine came to: every result, and the samples they belong to."""

    samples: dict[int, Sample]
    results: dict[int, Result]
    distinct: int  # distinct (task, program) pairs: each was judged at most once

    def in_order(self) -> list[tuple[Sample, Result]]:
        return [(self.samples[i], self.results[i]) for i in sorted(self.results)]

    @property
    def deduplicated(self) -> int:
        """Samples whose verdict was shared with an identical program."""
        return len(self.samples) - self.distinct


def complete_result(result: Result, sample: Sample, task: Task,
                    include_private: bool) -> Result:
    """*result* with what the sample's program tells (hash, fix distance) and whether it
    is withheld filled in, for results read back from a file or from the store."""
    program = program_of(sample, task)
    sha = result.program_sha256 or _sha256(program)
    distance = result.fix_distance
    if distance is None and task.kind is TaskKind.DEBUG and task.buggy:
        distance = fix_distance(task.buggy, program)
    return replace(result, program_sha256=sha, fix_distance=distance,
                   withheld=is_withheld(task, include_private))


class SampleFeed(JobQueue):
    """Samples in (from any thread), jobs out (in the pool's thread): identical programs
    of a task are judged once, and samples with a known result are not judged again."""

    def __init__(self, suite: Suite, known: Mapping[int, Result], include_private: bool,
                 on_result: Callable[[Sample, Result], None]) -> None:
        super().__init__()
        self.suite = suite
        self.samples: dict[int, Sample] = {}
        self.results: dict[int, Result] = {}
        self.groups: dict[tuple[str, str], list[int]] = {}
        self._known = known
        self._include_private = include_private
        self._on_result = on_result
        self._programs: dict[int, str] = {}
        self._verdicts: dict[tuple[str, str], Verdict] = {}
        self._incoming: deque[Sample] = deque()

    def offer(self, samples: Iterable[Sample]) -> None:
        """Hand samples over; safe from any thread."""
        with self._lock:
            self._incoming.extend(samples)
        self._wake()

    def take(self) -> list[Job]:
        with self._lock:
            arrived = list(self._incoming)
            self._incoming.clear()
        jobs = super().take()
        # Known results first, so a new sample identical to one is not judged again.
        arrived.sort(key=lambda sample: sample.index not in self._known)
        for sample in arrived:
            job = self._admit(sample)
            if job is not None:
                jobs.append(job)
        return jobs

    @property
    def finished(self) -> bool:
        with self._lock:
            pending = bool(self._incoming)
        return not pending and super().finished

    def judged(self, job: Job, verdict: Verdict) -> None:
        """The pool's callback: *verdict* goes to every sample of the job's group."""
        key = (job.task_id, job.program)
        self._verdicts[key] = verdict
        for index in self.groups[key]:
            if index not in self.results:
                self._emit(self.samples[index], verdict)

    def _admit(self, sample: Sample) -> Job | None:
        task = self.suite.get(sample.task_id)
        if task is None:  # sources only draw the suite's own tasks
            raise RuntimeError(f"a sample for task {sample.task_id}, not in {self.suite.name}")
        program = program_of(sample, task)
        self.samples[sample.index] = sample
        self._programs[sample.index] = program
        key = (task.task_id, program)
        members = self.groups.setdefault(key, [])
        members.append(sample.index)
        known = self._known.get(sample.index)
        if known is not None:
            self.results[sample.index] = known
            self._verdicts.setdefault(key, known.verdict)
            return None
        if key in self._verdicts:
            self._emit(sample, self._verdicts[key])
            return None
        if len(members) > 1:  # an identical program is being judged already
            return None
        return Job(key=sample.index, task_id=task.task_id, program=program)

    def _emit(self, sample: Sample, verdict: Verdict) -> None:
        task = self.suite.get(sample.task_id)
        assert task is not None  # checked on admission
        program = self._programs[sample.index]
        distance = (fix_distance(task.buggy, program)
                    if task.kind is TaskKind.DEBUG and task.buggy else None)
        result = Result(sample.index, task.task_id,
                        recorded(verdict, task, self._include_private), _sha256(program),
                        distance, withheld=is_withheld(task, self._include_private))
        self.results[sample.index] = result
        self._on_result(sample, result)


class Engine:
    """Judges samples of one suite under one set of options; *node* is Node.js's path
    when some samples are JavaScript. Make one with :meth:`for_tasks` before anything
    is written: finding Node.js may fail with a sentence saying how to install it."""

    def __init__(self, suite: Suite, options: EvalOptions, node: str | None) -> None:
        self.suite = suite
        # One seed for every checker of the run, so all of them measure the same inputs
        # and the run can record it (``self.options.perf_seed`` is never None).
        self.options = with_perf_seed(options)
        self.node = node

    @classmethod
    def for_tasks(cls, suite: Suite, options: EvalOptions,
                  tasks: Iterable[Task] | None = None) -> Engine:
        """An engine that can judge *tasks* (by default, every task of *suite*)."""
        node = node_for(suite.tasks if tasks is None else tasks, options.node)
        reach_executor(options)
        return cls(suite, options, node)

    def run(self, source: Sequence[Sample] | SampleStream, sinks: Sequence[ResultSink] = (),
            *, known: Mapping[int, Result] | None = None, total: int | None = None,
            on_progress: ProgressCallback | None = None,
            started: Pool | None = None) -> EngineRun:
        """Judge every sample of *source* that has no *known* result; each new result
        goes to every sink, in the order verdicts arrive. *started* are checkers already
        started for this run (see ``WarmCheckers``); the engine stops them when done."""
        expected = total if total is not None else (
            len(source) if isinstance(source, Sequence) else 0)

        def on_result(sample: Sample, result: Result) -> None:
            for sink in sinks:
                sink.add(sample, result)
            if on_progress is not None:
                on_progress(len(feed.results), expected)

        feed = SampleFeed(self.suite, known or {}, self.options.include_private, on_result)
        try:
            if isinstance(source, Sequence):
                feed.offer(source)
                feed.close()
                jobs = feed.take()
                self._progress(on_progress, len(feed.results), expected)
                if jobs:
                    with started or self._pool(len(jobs)) as pool:
                        pool.run(jobs, feed.judged)
            else:
                source.start(feed)
                with started or self._pool(self.options.workers) as pool:
                    pool.run(feed, feed.judged)
                source.finish()
        finally:
            feed.dispose()
        return EngineRun(feed.samples, feed.results, len(feed.groups))

    def judge(self, jobs: Sequence[Job], on_verdict: Callable[[Job, Verdict], None],
              tasks: Mapping[str, Task] | None = None) -> None:
        """Judge bare programs (references, buggy programs) with the same checkers."""
        if jobs:
            with self._pool(len(jobs), tasks) as pool:
                pool.run(jobs, on_verdict)

    def _pool(self, jobs: int, tasks: Mapping[str, Task] | None = None) -> Checkers:
        options = self.options
        return checkers(tasks if tasks is not None else {t.task_id: t for t in self.suite.tasks},
                        jobs, workers=options.workers, sandbox=options.sandbox,
                        limits=options.limits, node=self.node, perf_runs=options.perf_runs,
                        perf_seed=options.perf_seed, executor=options.executor)

    @staticmethod
    def _progress(on_progress: ProgressCallback | None, done: int, total: int) -> None:
        if on_progress is not None:
            on_progress(done, total)


def with_perf_seed(options: EvalOptions) -> EvalOptions:
    """*options* with a performance-input seed: its own, or a new one drawn from the
    operating system's randomness (so no one knows the heavy inputs before the run)."""
    if options.perf_seed is not None:
        return options
    return replace(options, perf_seed=secrets.randbits(63))


def reach_executor(options: EvalOptions) -> None:
    """Join the Ray cluster *options* name, if any, so that an address that does not
    answer is one sentence before anything is written."""
    if options.executor.remote:
        connect(options.executor.ray_address)


def _sha256(program: str) -> str:
    return hashlib.sha256(program.encode()).hexdigest()
