"""Generate and evaluate in one go: answers are checked as they arrive.

Generation runs in a thread of its own (an asyncio loop calling the model); every
answer is a sample of a :class:`_ModelStream`, which the run engine judges as it
arrives. A rerun asks the model only for what the cache lacks, and checks every sample
again (checking costs no model calls).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from fairclimb._version import __version__
from fairclimb.evaluate._engine import (
    Engine,
    EvalOptions,
    ProgressCallback,
    SampleFeed,
    with_perf_seed,
)
from fairclimb.evaluate._evaluation import EvalOutcome, refuse_undated, settings_of, summary_of
from fairclimb.evaluate._output import SUMMARY, ResultsFile, prepare_dir, write_json_atomic
from fairclimb.evaluate._private import refuse_untestable
from fairclimb.evaluate._records import Sample, SampleForm
from fairclimb.evaluate._store_sink import StoreSink
from fairclimb.evaluate._text import path_text
from fairclimb.evaluate.generation._generation import (
    CompletionBackend,
    GenerationOutcome,
    run_generation,
)
from fairclimb.evaluate.generation._plan import GenerationPlan
from fairclimb.sandbox import select_backend
from fairclimb.store import NewRun, Store
from fairclimb.suites import Split

__all__ = ["ModelEvalOutcome", "evaluate_model"]


@dataclass(frozen=True, slots=True)
class ModelEvalOutcome:
    generation: GenerationOutcome
    evaluation: EvalOutcome


class _ModelStream:
    """A model's answers as samples, drawn by a generation run in a thread of its own."""

    def __init__(self, plan: GenerationPlan, store: Store, backend: CompletionBackend) -> None:
        self._plan = plan
        self._store = store
        self._backend = backend
        self._thread: threading.Thread | None = None
        self.outcome: GenerationOutcome | None = None
        self.error: BaseException | None = None

    def start(self, feed: SampleFeed) -> None:
        def offer(position: int, row: dict[str, Any]) -> None:
            form = SampleForm.SOLUTION if "solution" in row else SampleForm.COMPLETION
            feed.offer([Sample(position, row["task_id"], form, row[form.value], row)])

        def produce() -> None:
            try:
                self.outcome = run_generation(self._plan, self._store, self._backend,
                                              on_sample=offer)
            except BaseException as exc:  # handed to the engine's thread by finish()
                self.error = exc
            finally:
                feed.close()

        self._thread = threading.Thread(target=produce, name="fairclimb-generate",
                                        daemon=True)
        self._thread.start()

    def finish(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            raise self.error


def evaluate_model(plan: GenerationPlan, options: EvalOptions, store: Store,
                   backend: CompletionBackend,
                   on_progress: ProgressCallback | None = None) -> ModelEvalOutcome:
    """Draw ``plan.n`` samples per task from the model and check each as it arrives."""
    refuse_untestable(plan.suite.tasks)
    refuse_undated(plan.suite, options)
    options = with_perf_seed(options)  # recorded with the run
    sandbox = select_backend(options.sandbox)
    engine = Engine.for_tasks(plan.suite, options)
    out_dir = plan.out_dir
    prepare_dir(out_dir)
    total = len(plan.suite.tasks) * plan.n
    run_id = store.create_run(NewRun(
        suite=plan.suite.name, samples_path=path_text(plan.samples_path),
        samples_sha256=_plan_hash(plan), out_dir=path_text(out_dir),
        settings={**settings_of(options), "generation": plan.manifest(), "n": plan.n,
                  **_private_prompts_seen(plan)},
        sandbox=sandbox.name, sandbox_warning=sandbox.warning,
        fairclimb_version=__version__, n_samples=total,
    ))
    stream = _ModelStream(plan, store, backend)
    started = time.monotonic()
    try:
        # Checking is redone on a rerun (generation is not): the file starts empty.
        with StoreSink(store, run_id) as stored, ResultsFile(out_dir) as file:
            run = engine.run(stream, [file, stored], total=total, on_progress=on_progress)
    except BaseException:
        # A run that never got a sample (an unreachable endpoint, a missing key) leaves
        # nothing behind; one that got some keeps them, unfinished.
        store.discard_empty_run(run_id)
        raise
    summary = summary_of(plan.suite, run, options, seconds=time.monotonic() - started,
                         backend=sandbox, run_id=run_id)
    write_json_atomic(out_dir / SUMMARY, summary.to_json())
    store.finish_run(run_id, summary.to_json())
    assert stream.outcome is not None  # finish() raised otherwise
    evaluation = EvalOutcome(summary=summary, out_dir=out_dir, resumed=0)
    return ModelEvalOutcome(generation=stream.outcome, evaluation=evaluation)


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
