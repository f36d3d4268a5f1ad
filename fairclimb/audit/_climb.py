"""The climb report: did a trained model really get better than its base, or only on
what it saw?

Both models are evaluated by the one ``eval --model`` engine (generations cached in the
store, so a rerun never pays twice; verdicts from the trusted-side checker) on every
split of every suite given. Results are paired by task and compared with the evaluate
part's paired engine. A gain on a suite's public split that exceeds its gain on the
private split beyond noise (the interval of the difference of the two gains excludes 0)
is the signature of a climb that learnt the public tasks rather than the skill: it is
flagged. Scores on a suite and split the trained model was trained on (its lineage) are
marked as such, and the arena's ratings are set side by side when both have votes.

It lives in ``audit`` because it judges what other parts produced and changes nothing;
it works for any two registered models, trained here or elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from fairclimb.errors import UserInputError
from fairclimb.evaluate import (
    Estimate,
    EvalOptions,
    PairedComparison,
    compare_paired,
    evaluate_model,
    gain_gap,
    plan_generation,
    task_pass_rates,
)
from fairclimb.models import GenerationParams, LocalOptions, ModelSpec, RetryPolicy, open_backend
from fairclimb.store import Store
from fairclimb.suites import Split, Suite, get_suite

__all__ = ["ArenaGap", "ClimbFlag", "ClimbOptions", "ClimbReport", "ClimbRow", "FlagKind",
           "climb_report"]

RUNS_DIR = "runs"
ProgressCallback = Callable[[str, int, int], None]  # (what, done, total)


class FlagKind(StrEnum):
    PUBLIC_GAIN_EXCEEDS_PRIVATE = "public_gain_exceeds_private_gain"


@dataclass(frozen=True, slots=True)
class ClimbOptions:
    """What to compare and how: *n* samples per task with *params*, a paired bootstrap
    of *rounds* resamples seeded with *seed*."""

    base: str
    trained: str
    suites: tuple[str, ...]
    out_dir: Path
    n: int = 1
    params: GenerationParams = field(default_factory=lambda: GenerationParams(
        temperature=0.0, max_tokens=512, seed=0))
    concurrency: int = 32
    local: LocalOptions = field(default_factory=LocalOptions)
    rounds: int = 2000
    seed: int = 0


@dataclass(frozen=True, slots=True)
class ClimbRow:
    """One suite and split: both models' pass@1 and the paired difference."""

    suite: str
    split: Split
    comparison: PairedComparison
    trained_on: bool  # the trained model (or a base it grew from) was trained on it

    def to_json(self) -> dict[str, Any]:
        c = self.comparison
        return {"suite": self.suite, "split": self.split.value, "base": c.base,
                "trained": c.other, "diff": c.diff.value, "lower": c.diff.lower,
                "upper": c.diff.upper, "tasks": c.tasks, "gained": len(c.gained),
                "lost": len(c.lost), "trained_on": self.trained_on}


@dataclass(frozen=True, slots=True)
class ClimbFlag:
    """A suite whose public gain exceeds its private gain beyond noise."""

    kind: FlagKind
    suite: str
    gap: Estimate  # public gain minus private gain, with its 95% interval

    @property
    def message(self) -> str:
        return (f"{self.suite}: public gain exceeds private gain beyond noise "
                f"(gap {self.gap.value:+.3f}, 95% interval [{self.gap.lower:+.3f}, "
                f"{self.gap.upper:+.3f}]): a likely contaminated or over-fitted climb")

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "suite": self.suite, "gap": self.gap.value,
                "lower": self.gap.lower, "upper": self.gap.upper, "message": self.message}


@dataclass(frozen=True, slots=True)
class ArenaGap:
    """Both models' arena ratings (each with its 95% interval) and their difference."""

    base: float
    base_interval: tuple[float, float]
    trained: float
    trained_interval: tuple[float, float]
    provisional: bool  # either has fewer votes than the leaderboard's minimum

    @property
    def diff(self) -> float:
        return self.trained - self.base

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base, "base_interval": list(self.base_interval),
                "trained": self.trained, "trained_interval": list(self.trained_interval),
                "diff": self.diff, "provisional": self.provisional}


@dataclass(frozen=True)
class ClimbReport:
    base: str
    trained: str
    rows: tuple[ClimbRow, ...]
    flags: tuple[ClimbFlag, ...]
    arena: ArenaGap | None
    gaps: dict[str, Estimate]  # per suite with both splits: public gain minus private
    runs: dict[str, str]  # "model on suite" -> the execution run's id
    n: int

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base, "trained": self.trained, "n": self.n,
                "results": [row.to_json() for row in self.rows],
                "gaps": {suite: {"gap": g.value, "lower": g.lower, "upper": g.upper}
                         for suite, g in self.gaps.items()},
                "flags": [flag.to_json() for flag in self.flags],
                "arena": self.arena.to_json() if self.arena is not None else None,
                "runs": self.runs}


@dataclass(frozen=True, slots=True)
class _Plan:
    base: ModelSpec
    trained: ModelSpec
    suites: tuple[Suite, ...]


def climb_report(store: Store, options: ClimbOptions, eval_options: EvalOptions,
                 environ: Mapping[str, str],
                 on_progress: ProgressCallback | None = None) -> ClimbReport:
    """Evaluate both models on every suite given and compare them, split by split."""
    plan = _plan(store, options)
    rates: dict[tuple[str, str], dict[str, float]] = {}
    runs: dict[str, str] = {}
    for spec in (plan.base, plan.trained):
        for suite in plan.suites:
            run_id, rates[spec.name, suite.name] = _evaluate(
                store, spec, suite, options, eval_options, environ, on_progress)
            runs[f"{spec.name} on {suite.name}"] = run_id
    rng = np.random.default_rng(options.seed)
    seen = _trained_on(store, plan.trained.name)
    rows: list[ClimbRow] = []
    gaps: dict[str, Estimate] = {}
    for suite in plan.suites:
        by_split = _compare_splits(suite, rates[plan.base.name, suite.name],
                                   rates[plan.trained.name, suite.name], rng, options.rounds)
        rows += [ClimbRow(suite.name, split, comparison, (suite.name, split.value) in seen)
                 for split, comparison in by_split.items()]
        if Split.PUBLIC in by_split and Split.PRIVATE in by_split:
            gaps[suite.name] = gain_gap(by_split[Split.PUBLIC].diffs,
                                        by_split[Split.PRIVATE].diffs, rng, options.rounds)
    flags = tuple(ClimbFlag(FlagKind.PUBLIC_GAIN_EXCEEDS_PRIVATE, suite, gap)
                  for suite, gap in gaps.items() if gap.lower is not None and gap.lower > 0)
    return ClimbReport(plan.base.name, plan.trained.name, tuple(rows), flags,
                       _arena_gap(store, plan.base.name, plan.trained.name, options.seed),
                       gaps, runs, options.n)


def _plan(store: Store, options: ClimbOptions) -> _Plan:
    """Check everything before anything is written or any model is called."""
    if not options.suites:
        raise UserInputError("climb report needs at least one --suite")
    if options.base == options.trained:
        raise UserInputError(f"--base and --trained are both {options.base!r}; compare a "
                             "trained model with the model it was trained from")
    if options.n < 1:
        raise UserInputError(f"-n must be at least 1 (samples per task), not {options.n}")
    base, trained = store.require_model(options.base), store.require_model(options.trained)
    suites = tuple(get_suite(name, store) for name in dict.fromkeys(options.suites))
    for spec in (base, trained):
        for suite in suites:  # the same checks eval --model makes, before any call
            plan_generation(spec, suite.name, options.n, options.params, options.concurrency,
                            _run_dir(options.out_dir, spec.name, suite.name), store)
    return _Plan(base, trained, suites)


def _run_dir(out_dir: Path, model: str, suite: str) -> Path:
    def safe(name: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip(".") or "_"

    return out_dir / RUNS_DIR / safe(model) / safe(suite)


def _evaluate(store: Store, spec: ModelSpec, suite: Suite, options: ClimbOptions,
              eval_options: EvalOptions, environ: Mapping[str, str],
              on_progress: ProgressCallback | None) -> tuple[str, dict[str, float]]:
    """``eval --model`` for one model on one suite: the run's id and each task's rate."""
    plan = plan_generation(spec, suite.name, options.n, options.params, options.concurrency,
                           _run_dir(options.out_dir, spec.name, suite.name), store)
    backend = open_backend(spec, environ, RetryPolicy(), options.local)
    what = f"{spec.name} on {suite.name}"

    def progress(done: int, total: int) -> None:
        if on_progress is not None:
            on_progress(what, done, total)

    outcome = evaluate_model(plan, eval_options, store, backend, progress)
    run_id = outcome.evaluation.summary.run_id
    if run_id is None:  # evaluate_model always stores its run
        raise RuntimeError(f"the evaluation of {what} stored no run")
    rates = task_pass_rates((row.task_id, row.passed) for row in store.results(run_id))
    return run_id, rates


def _compare_splits(suite: Suite, base: dict[str, float], trained: dict[str, float],
                    rng: np.random.Generator, rounds: int) -> dict[Split, PairedComparison]:
    compared: dict[Split, PairedComparison] = {}
    for split in Split:
        ids = {task.task_id for task in suite.tasks if task.split is split}
        if ids:
            compared[split] = compare_paired(
                {t: r for t, r in base.items() if t in ids},
                {t: r for t, r in trained.items() if t in ids}, rng, rounds)
    return compared


def _trained_on(store: Store, model: str) -> set[tuple[str, str]]:
    """(suite, split) pairs the model's lineage says it was trained on."""
    from fairclimb.train import trained_on  # light: the trainers import TRL lazily

    return trained_on(store, model)


def _arena_gap(store: Store, base: str, trained: str, seed: int) -> ArenaGap | None:
    """Both models' arena ratings when both have counted votes; else None."""
    from fairclimb.arena import Arena, RatingOptions, compute_ratings

    battles = [b for b in Arena(store).rating_battles() if not b.excluded]
    voted = {b.model_a for b in battles} | {b.model_b for b in battles}
    if base not in voted or trained not in voted:
        return None
    ratings = compute_ratings(battles, RatingOptions(bootstrap=200, robustness=False,
                                                     seed=seed))
    by_name = {r.model: r for r in ratings.models}
    b, t = by_name[base], by_name[trained]
    return ArenaGap(b.rating, (b.lower, b.upper), t.rating, (t.lower, t.upper),
                    b.provisional or t.provisional)
