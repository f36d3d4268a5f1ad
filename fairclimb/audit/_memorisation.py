"""Memorisation probe: does a model pass a task only in the wording it may have seen?

The model answers each task of a suite that has a perturbed variant (``fairclimb
suites build perturbed``) twice over: once in the original wording, once in the
variant's. Both runs go through the evaluate facade (generation, the run engine, the
store), so their samples and results are kept like any other run's. pass@1 is compared
task by task; the drop gets a 95% interval from a seeded paired bootstrap over tasks,
and a drop whose interval lies above zero is flagged.

What a flag can and cannot prove is in ``docs/audit.md``: a drop says the model leans
on the surface of the original text, which memorisation explains; it does not prove the
model saw the tests, and no drop does not prove it did not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fairclimb.audit._min_k import MinKReport, min_k_report
from fairclimb.audit._paired import paired_bootstrap
from fairclimb.errors import UnknownSuiteError, UserInputError
from fairclimb.evaluate import (
    CompletionBackend,
    EvalOptions,
    evaluate_model,
    plan_generation,
)
from fairclimb.models import PromptScorer
from fairclimb.suites import Suite, get_suite, perturbed_suite_name, source_task_id

if TYPE_CHECKING:
    from fairclimb.models import GenerationParams, ModelSpec
    from fairclimb.store import Store

__all__ = ["MemorisationOptions", "MemorisationReport", "TaskPair", "audit_memorisation"]


@dataclass(frozen=True, slots=True)
class MemorisationOptions:
    """``n`` samples per task and wording; the bootstrap's rounds and seed; ``min_k``:
    the share k of Min-K% probability, or None not to score solutions."""

    params: GenerationParams
    n: int = 1
    concurrency: int = 32
    rounds: int = 2000
    seed: int = 0
    min_k: float | None = None

    def __post_init__(self) -> None:
        if self.min_k is not None and not 0 < self.min_k <= 1:
            raise UserInputError(f"--min-k takes a share in (0, 1], such as 0.2, not "
                                 f"{self.min_k}")


@dataclass(frozen=True, slots=True)
class TaskPair:
    """One task's pass@1 in its original wording and in its variant's."""

    task_id: str
    variant_id: str
    original: float
    perturbed: float


@dataclass(frozen=True, slots=True)
class MemorisationReport:
    model: str
    suite: str
    n: int
    pairs: list[TaskPair]
    drop: float
    lower: float
    upper: float
    run_ids: dict[str, str | None] = field(default_factory=dict)
    min_k: MinKReport | None = None

    @property
    def original(self) -> float:
        return _mean([p.original for p in self.pairs])

    @property
    def perturbed(self) -> float:
        return _mean([p.perturbed for p in self.pairs])

    @property
    def flagged(self) -> bool:
        """The drop is significant: its whole 95% interval lies above zero."""
        return self.lower > 0

    @property
    def only_original(self) -> list[str]:
        """Tasks passed in their original wording and never in the variant's."""
        return [p.task_id for p in self.pairs if p.original > 0 and p.perturbed == 0]

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "suite": self.suite, "original": self.original,
                "perturbed": self.perturbed, "drop": self.drop, "lower": self.lower,
                "upper": self.upper, "flagged": self.flagged, "tasks": len(self.pairs),
                "n": self.n, "only_original": self.only_original,
                "runs": self.run_ids,
                "min_k": None if self.min_k is None else self.min_k.to_json()}


def audit_memorisation(spec: ModelSpec, suite_name: str, store: Store, options: EvalOptions,
                       probe: MemorisationOptions, backend: Callable[[], CompletionBackend],
                       out_dir: Path) -> MemorisationReport:
    """Run *spec* on *suite_name*'s tasks that have a variant, in both wordings.

    *backend* opens a connection to the model (one per run); answers go under
    *out_dir* (``original/`` and ``perturbed/``), and the runs into *store*.
    """
    original, variants = _paired_suites(suite_name, store)
    # Scored first: it writes nothing, so an endpoint without logprobs leaves no run.
    min_k = None if probe.min_k is None else _min_k(
        spec, original, variants, backend(), probe)
    runs: dict[str, str | None] = {}
    rates: dict[str, dict[str, float]] = {}
    for label, suite in (("original", original), ("perturbed", variants)):
        plan = plan_generation(spec, suite.name, probe.n, probe.params, probe.concurrency,
                               out_dir / label, store)
        outcome = evaluate_model(replace(plan, suite=suite), options, store, backend())
        runs[label] = outcome.evaluation.summary.run_id
        rates[label] = _pass_rates(outcome.evaluation.out_dir / "results.jsonl")
    pairs = [TaskPair(source.task_id, variant.task_id,
                      rates["original"].get(source.task_id, 0.0),
                      rates["perturbed"].get(variant.task_id, 0.0))
             for source, variant in zip(original.tasks, variants.tasks, strict=True)]
    drop, lower, upper = paired_bootstrap(
        [p.original for p in pairs], [p.perturbed for p in pairs],
        np.random.default_rng(probe.seed), probe.rounds)
    return MemorisationReport(spec.name, suite_name, probe.n, pairs, drop, lower, upper, runs,
                              min_k)


def _min_k(spec: ModelSpec, original: Suite, variants: Suite, scorer: CompletionBackend,
           probe: MemorisationOptions) -> MinKReport:
    if not isinstance(scorer, PromptScorer) or probe.min_k is None:
        raise UserInputError(f"the backend of model {spec.name} cannot score prompts; "
                             "--min-k needs an OpenAI-compatible endpoint that returns prompt "
                             "logprobs, such as vLLM")
    return min_k_report(list(zip(original.tasks, variants.tasks, strict=True)), scorer,
                        probe.min_k, np.random.default_rng(probe.seed), probe.rounds)


def _paired_suites(suite_name: str, store: Store) -> tuple[Suite, Suite]:
    """The original tasks that have a variant, and their variants, in the same order."""
    source = get_suite(suite_name, store)
    name = perturbed_suite_name(suite_name)
    try:
        variants = get_suite(name, store)
    except UnknownSuiteError:
        raise UserInputError(
            f"the suite {suite_name} has no perturbed variant in this store; build it with "
            f"'fairclimb suites build perturbed --from {suite_name}'") from None
    originals = [source.get(source_task_id(v.task_id, name)) for v in variants.tasks]
    if any(task is None for task in originals):
        raise UserInputError(f"{name} names tasks that {suite_name} no longer has; rebuild it "
                             f"with 'fairclimb suites build perturbed --from {suite_name}'")
    return (Suite(source.name, source.description, source.origin,
                  tuple(t for t in originals if t is not None)), variants)


def _pass_rates(results: Path) -> dict[str, float]:
    """Each task's share of passing samples in a run's results file."""
    passed: dict[str, list[bool]] = {}
    with results.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            passed.setdefault(row["task_id"], []).append(bool(row["passed"]))
    return {task: sum(flags) / len(flags) for task, flags in passed.items()}


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
