"""Generate and evaluate in one go: answers are checked as they arrive.

Generation runs in a thread of its own (an asyncio loop calling the model); every
answer is handed to the checker pool through a :class:`_SampleFeed`, whose ``take``
runs in the pool's thread, so grouping identical programs and recording verdicts stay
single-threaded. A rerun asks the model only for what the cache lacks, and checks
every sample again (checking costs no model calls).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fairclimb import __version__
from fairclimb.evaluate._evaluation import (
    EvalOptions,
    EvalOutcome,
    ProgressCallback,
    _Recorder,
    _redactor,
    _rng,
    _settings_of,
    _Verdicts,
    speed_rows,
    splits_of,
)
from fairclimb.evaluate._fix_distance import debug_extras, mean_fix_distance
from fairclimb.evaluate._generation import (
    CompletionBackend,
    GenerationOutcome,
    GenerationPlan,
    run_generation,
)
from fairclimb.evaluate._output import (
    RESULTS,
    SUMMARY,
    ResultsFile,
    prepare_dir,
    write_json_atomic,
)
from fairclimb.evaluate._pool import Job, JobQueue, Pool, node_for
from fairclimb.evaluate._private import refuse_untestable
from fairclimb.evaluate._records import Sample, SampleForm, Verdict
from fairclimb.evaluate._samples import program_of
from fairclimb.evaluate._summary import summarize
from fairclimb.sandbox import select_backend
from fairclimb.store import NewRun, Store
from fairclimb.suites import Split, Suite

__all__ = ["ModelEvalOutcome", "evaluate_model"]


@dataclass(frozen=True, slots=True)
class ModelEvalOutcome:
    generation: GenerationOutcome
    evaluation: EvalOutcome


class _SampleFeed(JobQueue):
    """Samples from the generating thread, turned into jobs in the pool's thread."""

    def __init__(self, suite: Suite) -> None:
        super().__init__()
        self.suite = suite
        self.samples: dict[int, Sample] = {}
        self.programs: dict[int, str] = {}
        self.groups: dict[tuple[str, str], list[int]] = {}
        self.group_verdicts: dict[tuple[str, str], Verdict] = {}
        self._rows: deque[tuple[int, dict[str, Any]]] = deque()
        # Set by the caller: records a verdict already known for identical programs.
        self.on_known: Callable[[list[int], Verdict], None] = lambda members, verdict: None

    def put_row(self, position: int, row: dict[str, Any]) -> None:
        """Called from the generating thread."""
        with self._lock:
            self._rows.append((position, row))
        self._wake()

    def take(self) -> list[Job]:
        rows: list[tuple[int, dict[str, Any]]] = []
        with self._lock:
            rows.extend(self._rows)
            self._rows.clear()
        jobs = super().take()
        for position, row in rows:
            job = self._admit(position, row)
            if job is not None:
                jobs.append(job)
        return jobs

    @property
    def finished(self) -> bool:
        with self._lock:
            pending_rows = bool(self._rows)
        return not pending_rows and super().finished

    def _admit(self, position: int, row: dict[str, Any]) -> Job | None:
        task = self.suite.get(row["task_id"])
        if task is None:  # generation only draws the suite's own tasks
            raise RuntimeError(f"generated a sample for unknown task {row['task_id']}")
        form = SampleForm.SOLUTION if "solution" in row else SampleForm.COMPLETION
        sample = Sample(position, task.task_id, form, row[form.value], row)
        program = program_of(sample, task)
        self.samples[position] = sample
        self.programs[position] = program
        key = (task.task_id, program)
        members = self.groups.setdefault(key, [])
        members.append(position)
        if key in self.group_verdicts:
            self.on_known([position], self.group_verdicts[key])
            return None
        if len(members) > 1:  # an identical program is being checked already
            return None
        return Job(key=position, task_id=task.task_id, program=program)


def evaluate_model(plan: GenerationPlan, options: EvalOptions, store: Store,
                   backend: CompletionBackend,
                   on_progress: ProgressCallback | None = None) -> ModelEvalOutcome:
    """Draw ``plan.n`` samples per task from the model and check each as it arrives."""
    refuse_untestable(plan.suite.tasks)
    sandbox = select_backend(options.sandbox)
    node = node_for(plan.suite.tasks, options.node)
    out_dir = plan.out_dir
    prepare_dir(out_dir)
    (out_dir / RESULTS).unlink(missing_ok=True)  # checking is redone; generation is not
    total = len(plan.suite.tasks) * plan.n
    run_id = store.create_run(NewRun(
        suite=plan.suite.name, samples_path=str(plan.samples_path.resolve()),
        samples_sha256=_plan_hash(plan), out_dir=str(out_dir.resolve()),
        settings={**_settings_of(options), "generation": plan.manifest(), "n": plan.n,
                  **_private_prompts_seen(plan)},
        sandbox=sandbox.name, sandbox_warning=sandbox.warning,
        fairclimb_version=__version__, n_samples=total,
    ))
    feed = _SampleFeed(plan.suite)
    verdicts: dict[int, Verdict] = {}
    outcome: dict[str, Any] = {}
    started = time.monotonic()

    def produce() -> None:
        try:
            outcome["generation"] = run_generation(plan, store, backend,
                                                   on_sample=feed.put_row)
        except BaseException as exc:  # handed to the main thread, raised there
            outcome["error"] = exc
        finally:
            feed.close()

    recorder = _Recorder(store, run_id, feed.samples, feed.programs)
    with ResultsFile(out_dir, feed.samples, {},
                     debug_extras(plan.suite, feed.samples, feed.programs)) as results:
        record = _Verdicts(verdicts, results, recorder, total, on_progress,
                           _redactor(plan.suite, feed.samples, options)).record

        def on_verdict(job: Job, verdict: Verdict) -> None:
            key = (job.task_id, job.program)
            feed.group_verdicts[key] = verdict
            record(feed.groups[key], verdict)

        feed.on_known = record
        producer = threading.Thread(target=produce, name="fairclimb-generate", daemon=True)
        with Pool(options.workers, options.sandbox, options.limits,
                  {task.task_id: task for task in plan.suite.tasks},
                  perf_runs=options.perf_runs, node=node) as pool:
            producer.start()
            pool.run(feed, on_verdict)
        producer.join()
        recorder.flush()
    feed.dispose()
    if "error" in outcome:
        # A run that never got a sample (an unreachable endpoint, a missing key) leaves
        # nothing behind; one that got some keeps them, unfinished.
        store.discard_empty_run(run_id)
        raise outcome["error"]
    summary = summarize(
        plan.suite.name, ((feed.samples[i].task_id, verdicts[i].status) for i in sorted(verdicts)),
        seconds=time.monotonic() - started, sandbox=sandbox.name,
        sandbox_warning=sandbox.warning, deduplicated=len(verdicts) - len(feed.groups),
        run_id=run_id, ks=options.ks, rounds=options.bootstrap_rounds, rng=_rng(options.seed),
        speed_rows=speed_rows([feed.samples[i] for i in sorted(verdicts)], verdicts),
        split_of=splits_of(plan.suite),
        mean_fix_distance=mean_fix_distance(
            plan.suite, [feed.samples[i] for i in sorted(verdicts)], verdicts),
    )
    write_json_atomic(out_dir / SUMMARY, summary.to_json())
    store.finish_run(run_id, summary.to_json())
    evaluation = EvalOutcome(summary=summary, out_dir=out_dir, resumed=0)
    return ModelEvalOutcome(generation=outcome["generation"], evaluation=evaluation)


def _plan_hash(plan: GenerationPlan) -> str:
    """Stands for the samples file's hash: what the samples are drawn from."""
    material = json.dumps({**plan.manifest(), "n": plan.n}, sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def _private_prompts_seen(plan: GenerationPlan) -> dict[str, Any]:
    """Which model was sent the prompts of private tasks (recorded with the run)."""
    private = sum(task.split is Split.PRIVATE for task in plan.suite.tasks)
    if not private:
        return {}
    return {"private_prompts_sent_to": {"model": plan.spec.name,
                                        "model_id": plan.spec.model_id,
                                        "endpoint": plan.spec.endpoint, "tasks": private}}
