"""The public verbs: what a user calls from Python, one per thing fairclimb does.

Each is a thin wrapper over its part's facade (the same calls the CLI makes), with the
store and the defaults taken from :class:`~fairclimb.settings.Settings` (defaults →
``fairclimb.toml`` → ``FAIRCLIMB_*`` environment) unless given, and returns the part's
own typed result. Exposed lazily from :mod:`fairclimb` (``fairclimb.evaluate_samples``
...), so ``import fairclimb`` stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from fairclimb.settings import Settings, load_settings

if TYPE_CHECKING:
    from fairclimb.arena import ArenaOptions, RatingOptions, Ratings
    from fairclimb.data import DistillOutcome
    from fairclimb.evaluate import (
        EvalOptions,
        EvalOutcome,
        GenerationOutcome,
        ModelEvalOutcome,
        PromptControl,
    )
    from fairclimb.models import GenerationParams, LocalOptions
    from fairclimb.suites import Suite
    from fairclimb.train import TrainerKind, TrainOptions, TrainOutcome, TrainSource

__all__ = ["distill", "evaluate_model", "evaluate_samples", "generate", "rate",
           "serve_arena", "train"]

Progress = Callable[[int, int], None]


def _settings(db: str | None, settings: Settings | None) -> Settings:
    return settings if settings is not None else load_settings(db=db)


def evaluate_samples(samples: str | Path, out: str | Path, *, suite: str | Suite = "humaneval",
                     options: EvalOptions | None = None, db: str | None = None,
                     settings: Settings | None = None,
                     on_progress: Progress | None = None) -> EvalOutcome:
    """Check a samples file (JSONL: ``task_id`` plus ``completion`` or ``solution``)
    against *suite* in the sandbox; results go to *out* and the store (``fairclimb
    eval --samples``). A rerun into the same *out* resumes."""
    from fairclimb.evaluate import evaluate, plan_evaluation
    from fairclimb.store import Store

    chosen = _settings(db, settings)
    with Store.open(chosen.db) as store:
        plan = plan_evaluation(suite, Path(samples), Path(out),
                               options or chosen.eval_options(), store)
        return evaluate(plan, store, on_progress)


def generate(model: str, out: str | Path, *, suite: str | Suite = "humaneval", n: int = 10,
             params: GenerationParams | None = None, concurrency: int = 32,
             prompt: PromptControl | None = None, local: LocalOptions | None = None,
             environ: Mapping[str, str] | None = None, db: str | None = None,
             settings: Settings | None = None,
             on_progress: Progress | None = None) -> GenerationOutcome:
    """Draw *n* samples per task of *suite* from the registered *model* into
    ``out/samples.jsonl`` (``fairclimb generate``); API keys are read from *environ*
    (default: this process's environment)."""
    from fairclimb.evaluate import plan_generation, run_generation
    from fairclimb.models import GenerationParams, RetryPolicy, open_backend
    from fairclimb.store import Store

    with Store.open(_settings(db, settings).db) as store:
        spec = store.require_model(model)
        plan = plan_generation(spec, suite, n, params or GenerationParams(), concurrency,
                               Path(out), store, prompt)
        backend = open_backend(spec, os.environ if environ is None else environ,
                               RetryPolicy(), local)
        return run_generation(plan, store, backend, on_progress)


def evaluate_model(model: str, out: str | Path, *, suite: str | Suite = "humaneval",
                   n: int = 10, params: GenerationParams | None = None,
                   concurrency: int = 32, prompt: PromptControl | None = None,
                   options: EvalOptions | None = None, local: LocalOptions | None = None,
                   environ: Mapping[str, str] | None = None, db: str | None = None,
                   settings: Settings | None = None,
                   on_progress: Progress | None = None) -> ModelEvalOutcome:
    """Draw *n* samples per task from *model* and check each as it arrives (``fairclimb
    eval --model``)."""
    from fairclimb.evaluate import evaluate_model as run
    from fairclimb.evaluate import plan_generation
    from fairclimb.models import GenerationParams, RetryPolicy, open_backend
    from fairclimb.store import Store

    chosen = _settings(db, settings)
    with Store.open(chosen.db) as store:
        spec = store.require_model(model)
        plan = plan_generation(spec, suite, n, params or GenerationParams(), concurrency,
                               Path(out), store, prompt)
        backend = open_backend(spec, os.environ if environ is None else environ,
                               RetryPolicy(), local)
        return run(plan, options or chosen.eval_options(), store, backend, on_progress)


def rate(battles: str | Path | None = None, *, options: RatingOptions | None = None,
         db: str | None = None, settings: Settings | None = None) -> Ratings:
    """Bradley-Terry ratings with intervals and rank ranges (``fairclimb ratings``): of a
    battle file (FastChat format), or without one of the arena's stored votes; *options*
    default to the settings' ``ratings_*`` values."""
    from fairclimb.arena import Arena, compute_ratings, ratings_from_store, read_battles
    from fairclimb.store import Store

    chosen = _settings(db, settings)
    how = options or chosen.rating_options()
    if battles is not None:
        return compute_ratings(read_battles(Path(battles)), how)
    with Store.open(chosen.db) as store:
        return ratings_from_store(Arena(store), how)


def distill(teacher: str, dataset: str, *, suite: str | Suite | None = None,
            prompts: str | Path | None = None, n: int = 8,
            params: GenerationParams | None = None, concurrency: int = 16,
            options: EvalOptions | None = None, environ: Mapping[str, str] | None = None,
            db: str | None = None, settings: Settings | None = None,
            on_progress: Callable[[str, int, int], None] | None = None) -> DistillOutcome:
    """Sample *teacher* on a suite or a prompts file, keep what passes the tests, and
    store the records in *dataset* through the data gate (``fairclimb distill``)."""
    from fairclimb.data import distill as run
    from fairclimb.data import plan_distill, read_prompts
    from fairclimb.errors import UserInputError
    from fairclimb.evaluate import require_references_pass
    from fairclimb.models import GenerationParams, RetryPolicy, open_backend
    from fairclimb.store import Store
    from fairclimb.suites import get_suite

    if (suite is None) == (prompts is None):
        raise UserInputError("give exactly one of suite= or prompts=")
    chosen = _settings(db, settings)
    checking = options or chosen.eval_options()
    with Store.open(chosen.db) as store:
        if isinstance(suite, str):
            source = get_suite(suite, store)
        elif suite is not None:
            source = suite
        else:  # a prompts file is checked like a suite: its given references must pass
            source = read_prompts(Path(str(prompts)))
            require_references_pass(source, checking)
        spec = store.require_model(teacher)
        plan = plan_distill(spec, source, n, dataset, params or GenerationParams(),
                            options=checking, concurrency=concurrency)
        backend = open_backend(spec, os.environ if environ is None else environ,
                               RetryPolicy())
        return run(plan, store, backend, on_progress)


def train(kind: TrainerKind, source: TrainSource, options: TrainOptions, *,
          db: str | None = None, settings: Settings | None = None,
          on_progress: Progress | None = None) -> TrainOutcome:
    """Fine-tune (SFT, DPO, reward model, GRPO) and register the result with its
    lineage (``fairclimb train ...``); needs the ``train`` extra."""
    from fairclimb.train._verb import train as train_verb

    return train_verb(kind, source, options, db=db, settings=settings,
                      on_progress=on_progress)


def serve_arena(*, host: str | None = None, port: int | None = None,
                options: ArenaOptions | None = None, environ: Mapping[str, str] | None = None,
                db: str | None = None, settings: Settings | None = None,
                workers: int = 1) -> None:
    """Serve the arena web app until interrupted (``fairclimb arena serve``); host, port
    and options default to the settings' ``arena_*`` values, and live battles' answers
    to suite tasks run as the settings say (workers, limits, sandbox, executor);
    ``workers`` processes share the port (their limits and counts are kept in the
    database)."""
    from fairclimb.web import serve

    chosen = _settings(db, settings)
    serve(chosen.db, host or chosen.arena_host, port or chosen.arena_port,
          options or chosen.arena_options(), environ=os.environ if environ is None else environ,
          workers=workers, eval_options=chosen.eval_options())
