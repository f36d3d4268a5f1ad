"""Building a debug suite: mutate each reference, keep mutants the tests kill, store.

Generation is seeded: the same source, seed and options give the same tasks. The
suite is stored in one transaction at the end, so an interrupted build leaves the
store as it was.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fairclimb._version import __version__
from fairclimb.errors import UserInputError
from fairclimb.suites._debug import debug_origin, debug_suite_name, debug_task
from fairclimb.suites._mutant import Mutant, balanced_draw
from fairclimb.suites._mutants import mutants_for
from fairclimb.suites._registry import get_suite, list_suites
from fairclimb.suites._stored import task_to_fields
from fairclimb.suites._task import Task, TaskKind
from fairclimb.suites.build._adequacy import AdequacyOptions
from fairclimb.suites.build._judge import Judge, Judged, ProgressCallback

if TYPE_CHECKING:
    from fairclimb.store import Store

__all__ = ["DebugBuild", "DebugBuildOptions", "build_debug_suite"]

# Mutants tried per kept task: most are killed, so a few spares are enough.
_TRIED_PER_KEPT = 3
_MIN_TRIED = 8


@dataclass(frozen=True, slots=True)
class DebugBuildOptions:
    """``only``: source task ids to use (all when empty); ``name``: the suite's name
    (``<source>-debug`` by default); ``adequacy``: the gate a source task's tests must
    pass to be used (the same draw of mutants as ``fairclimb suites check``)."""

    seed: int = 0
    per_task: int = 1
    only: tuple[str, ...] = ()
    name: str | None = None
    adequacy: AdequacyOptions = field(default_factory=AdequacyOptions)

    def __post_init__(self) -> None:
        if self.per_task < 1:
            raise UserInputError("--per-task must be at least 1")


@dataclass(frozen=True, slots=True)
class DebugBuild:
    """What a build stored: the suite's name, its size, bugs per class, the source
    tasks that gave no task (their reference failed, or no mutant was killed), and the
    source tasks left out because their tests are weak (id -> mutation score)."""

    name: str
    source: str
    size: int
    classes: dict[str, int]
    skipped: list[str]
    weak: dict[str, float] = field(default_factory=dict)


def build_debug_suite(source_name: str, store: Store, judge: Judge,
                      build: DebugBuildOptions,
                      on_progress: ProgressCallback | None = None) -> DebugBuild:
    """Build ``<source>-debug`` from *source_name*'s references and store it."""
    from fairclimb.store import StoredSuite, SuiteRepository

    source = get_suite(source_name, store)
    name = build.name or debug_suite_name(source.name)
    if any(info.name == name for info in list_suites()):
        raise UserInputError(f"{name} is a suite shipped with fairclimb; it cannot be rebuilt")
    usable = [t for t in source.tasks if t.reference.strip() and t.tests.strip()
              and t.kind is not TaskKind.WEBDEV and (not build.only or t.task_id in build.only)]
    if not usable:
        raise UserInputError(
            f"the suite {source.name} has no reference solutions with tests, so there is "
            "nothing to mutate; build debug suites from a suite with references, such as "
            "humaneval")
    tried = {t.task_id: mutants_for(t, seed=build.seed,
                                    limit=max(_MIN_TRIED, _TRIED_PER_KEPT * build.per_task))
             for t in usable}
    gate = build.adequacy
    # The gate's own draw, so that the built suite passes ``fairclimb suites check``:
    # a debug task's reference and tests are its source task's, hence so are its mutants.
    gated = {t.task_id: mutants_for(t, seed=gate.seed, limit=gate.mutants_per_task)
             for t in usable}
    killed = _killed_programs(usable, tried, gated, judge, on_progress)
    weak: dict[str, float] = {}
    tasks: list[Task] = []
    skipped: list[str] = []
    for task in usable:
        if task.task_id not in killed:
            skipped.append(task.task_id)  # its reference failed its own tests
            continue
        score = _score(gated[task.task_id], killed[task.task_id])
        if score < gate.threshold:
            weak[task.task_id] = score
            continue
        rng = random.Random(f"{build.seed}/{task.task_id}")
        candidates = [m for m in tried[task.task_id] if m.program in killed[task.task_id]]
        chosen = balanced_draw(candidates, build.per_task, rng)  # suites' one draw
        if not chosen:
            skipped.append(task.task_id)
        numbers: Counter[str] = Counter()
        for mutant in chosen:
            numbers[mutant.bug_class.value] += 1
            tasks.append(debug_task(task, mutant, numbers[mutant.bug_class.value], build.seed,
                                    name))
    if not tasks:
        raise UserInputError(f"no source task of {source.name} both has adequate tests and "
                             "gave a mutant its tests kill; nothing was stored")
    description = f"{source.name} references with one labelled bug each, to fix"
    if weak:
        description += (f"; {len(weak)} of {len(usable)} source tasks left out because "
                        f"their tests kill under {gate.threshold:.0%} of the reference's "
                        "mutants")
    SuiteRepository(store).put(StoredSuite(
        name=name,
        description=description,
        origin=debug_origin(source.name, source.origin, build.seed),
        build={"kind": "debug", "source": source.name, "seed": build.seed,
               "per_task": build.per_task, "only": list(build.only),
               "adequacy": {"threshold": gate.threshold,
                            "mutants_per_task": gate.mutants_per_task, "seed": gate.seed,
                            "left_out": weak},
               "fairclimb_version": __version__},
        tasks=[task_to_fields(task) for task in tasks],
    ))
    classes = Counter(task.bug_class for task in tasks)
    return DebugBuild(name, source.name, len(tasks), dict(sorted(classes.items())), skipped,
                      weak)


def _killed_programs(usable: list[Task], tried: dict[str, list[Mutant]],
                     gated: dict[str, list[Mutant]], judge: Judge,
                     on_progress: ProgressCallback | None) -> dict[str, set[str]]:
    """For each task whose reference passes, the mutant programs (of both draws, each
    run once) its tests kill."""
    programs = {t.task_id: list(dict.fromkeys(
        m.program for m in [*tried[t.task_id], *gated[t.task_id]])) for t in usable}
    total = len(usable) + sum(len(found) for found in programs.values())
    done = 0

    def tick(_: int) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total)

    pairs: list[tuple[Task, str]] = []

    def of_sound(references: Sequence[Judged]) -> list[tuple[Task, str]]:
        sound = [t for t, verdict in zip(usable, references, strict=True) if verdict.passed]
        pairs.extend((t, program) for t in sound for program in programs[t.task_id])
        return pairs

    references, verdicts, _ = judge.run_references_then_mutants(
        [(t, t.reference_program) for t in usable], of_sound, on_verdict=tick)
    killed: dict[str, set[str]] = {t.task_id: set() for t, verdict
                                   in zip(usable, references, strict=True) if verdict.passed}
    for (task, program), verdict in zip(pairs, verdicts, strict=True):
        if not verdict.passed:
            killed[task.task_id].add(program)
    return killed


def _score(mutants: list[Mutant], killed: set[str]) -> float:
    """The gate's mutation score: the share of *mutants* killed (1 when none)."""
    if not mutants:
        return 1.0
    return sum(m.program in killed for m in mutants) / len(mutants)
