"""Building a perturbed suite: rename, compute new examples in the sandbox, keep what passes.

The text work is :mod:`fairclimb.suites._perturb`'s; here the judge runs the renamed
references (in the sandbox, never in this process: a reference is trusted, but a suite
built from a third-party file need not be) to compute the outputs of the new docstring
examples, and judges the finished variants with their renamed tests.
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
from fairclimb.suites._perturb import (
    SkipReason,
    VariantPlan,
    perturbed_origin,
    perturbed_suite_name,
    plan_variant,
)
from fairclimb.suites._registry import get_suite, list_suites
from fairclimb.suites._stored import task_to_fields
from fairclimb.suites._task import Task
from fairclimb.suites.build._judge import Judge, ProgressCallback

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


def build_perturbed_suite(source_name: str, store: Store, judge: Judge, seed: int = 0,
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
    asked = [(plan.task, plan.calls) for _, plan in plans]
    for (task, plan), outputs in zip(plans, judge.reference_answers(asked), strict=True):
        if outputs is None:
            skipped[task.task_id] = SkipReason.EXAMPLES_FAILED
        else:
            variants.append((task, plan.finish(outputs)))
    kept = _passing(variants, judge, skipped, on_progress)
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


def _passing(variants: list[tuple[Task, Task]], judge: Judge,
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

    verdicts = judge.run(programs, on_verdict=tick)
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
