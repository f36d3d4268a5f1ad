"""Building a perturbed suite: rename, compute new examples in the sandbox, keep what passes.

The text work is :mod:`fairclimb.suites`'s; here the renamed references run in the
sandbox to compute the outputs of the new docstring examples (never in this process:
a reference is trusted, but a suite built from a third-party file need not be), and
the finished variants go through the run engine's checkers with their renamed tests.
A variant is kept only if its renamed reference passes them. The suite is stored in one
transaction at the end; the source suite is never altered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fairclimb._version import __version__
from fairclimb.errors import UserInputError
from fairclimb.evaluate._engine import EvalOptions
from fairclimb.evaluate.judge._mutation import ProgressCallback, run_programs
from fairclimb.sandbox import CallKind, Sandbox, select_backend
from fairclimb.suites import (
    SkipReason,
    Task,
    VariantPlan,
    get_suite,
    list_suites,
    perturbed_origin,
    perturbed_suite_name,
    plan_variant,
    task_to_fields,
)

if TYPE_CHECKING:
    from fairclimb.store import Store

__all__ = ["PerturbBuild", "build_perturbed_suite"]


@dataclass(frozen=True, slots=True)
class PerturbBuild:
    """What a build stored: the suite, how many source tasks got a variant, and why the
    others did not (source task id -> reason)."""

    name: str
    source: str
    size: int
    considered: int
    skipped: dict[str, SkipReason] = field(default_factory=dict)

    def reasons(self) -> dict[str, int]:
        return dict(Counter(reason.name.lower() for reason in self.skipped.values()))

    def to_json(self) -> dict[str, Any]:
        return {"suite": self.name, "source": self.source, "variants": self.size,
                "tasks": self.considered, "reasons": self.reasons(),
                "skipped": {task: reason.name.lower() for task, reason in self.skipped.items()}}


def build_perturbed_suite(source_name: str, store: Store, options: EvalOptions, seed: int = 0,
                          only: Sequence[str] = (),
                          on_progress: ProgressCallback | None = None) -> PerturbBuild:
    """Build ``<source>-perturbed`` from *source_name* and store it."""
    from fairclimb.store import StoredSuite, SuiteRepository

    source = get_suite(source_name, store)
    name = perturbed_suite_name(source.name)
    if any(info.name == name for info in list_suites()):
        raise UserInputError(f"{name} is a suite shipped with fairclimb; it cannot be rebuilt")
    tasks = [t for t in source.tasks if not only or t.task_id in only]
    skipped: dict[str, SkipReason] = {}
    plans: list[tuple[Task, VariantPlan]] = []
    for task in tasks:
        planned = plan_variant(task, name, seed)
        if isinstance(planned, SkipReason):
            skipped[task.task_id] = planned
        else:
            plans.append((task, planned))
    variants: list[tuple[Task, Task]] = []
    for (task, plan), outputs in zip(plans, _example_outputs([p for _, p in plans], options),
                                     strict=True):
        if outputs is None:
            skipped[task.task_id] = SkipReason.EXAMPLES_FAILED
        else:
            variants.append((task, plan.finish(outputs)))
    kept = _passing(variants, options, skipped, on_progress)
    if not kept:
        raise UserInputError(f"no task of {source.name} gave a variant whose reference passes "
                             "its renamed tests; nothing was stored")
    SuiteRepository(store).put(StoredSuite(
        name=name,
        description=f"{source.name} with renamed functions, reworded docstrings and new "
                    f"examples: {len(kept)} of {len(tasks)} tasks",
        origin=perturbed_origin(source.name, source.origin, seed),
        build={"kind": "perturbed", "source": source.name, "seed": seed, "only": list(only),
               "skipped": {t: r.name.lower() for t, r in skipped.items()},
               "fairclimb_version": __version__},
        tasks=[task_to_fields(task) for task in kept],
    ))
    return PerturbBuild(name, source.name, len(kept), len(tasks), skipped)


def _example_outputs(plans: list[VariantPlan],
                     options: EvalOptions) -> list[list[Any] | None]:
    """Each plan's example outputs from its renamed reference, run in the sandbox; None
    where the reference did not answer every example with plain data."""
    if not any(plan.calls for plan in plans):
        return [[] for _ in plans]
    outputs: list[list[Any] | None] = []
    with Sandbox(select_backend(options.sandbox), options.limits) as sandbox:
        for plan in plans:
            if not plan.calls:
                outputs.append([])
                continue
            execution = sandbox.execute(plan.task.reference_program, plan.task.entry_point)
            try:
                answers = ([execution.call(args, {}) for args in plan.calls]
                           if execution.load().ok else [])
            finally:
                execution.finish()
            ok = len(answers) == len(plan.calls) and all(
                a.kind is CallKind.RETURNED for a in answers)
            outputs.append([a.value for a in answers] if ok else None)
    return outputs


def _passing(variants: list[tuple[Task, Task]], options: EvalOptions,
             skipped: dict[str, SkipReason],
             on_progress: ProgressCallback | None) -> list[Task]:
    """The variants whose renamed reference passes their renamed tests (originals run
    alongside, so that a reference failing its own tests is told apart)."""
    programs = [pair for source, variant in variants
                for pair in ((source, source.reference_program),
                             (variant, variant.reference_program))]
    done = 0

    def tick(_: int) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, len(programs))

    verdicts = run_programs(programs, workers=options.workers, sandbox=options.sandbox,
                            limits=options.limits, on_verdict=tick)
    kept: list[Task] = []
    for i, (source, variant) in enumerate(variants):
        original, renamed = verdicts[2 * i], verdicts[2 * i + 1]
        if not original.passed:
            skipped[source.task_id] = SkipReason.ORIGINAL_FAILS
        elif not renamed.passed:
            skipped[source.task_id] = SkipReason.VARIANT_FAILS
        else:
            kept.append(variant)
    return kept
