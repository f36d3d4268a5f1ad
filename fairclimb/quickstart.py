"""The quickstart: what ``fairclimb quickstart`` runs, on embedded defaults."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from fairclimb.arena import DemoArena, build_demo_arena
from fairclimb.errors import UserInputError
from fairclimb.evaluate import (
    EvalOptions,
    EvalOutcome,
    ProgramJudge,
    ReferenceCheck,
    check_references,
    evaluate,
    plan_evaluation,
)
from fairclimb.store import Store
from fairclimb.suites import DebugBuildOptions, build_debug_suite, get_suite

__all__ = ["MARKER", "OptimizeExample", "QuickstartResult", "claim_out_dir", "example_samples",
           "run_quickstart"]

EXAMPLE = "humaneval_quickstart.jsonl"
OPTIMIZE_EXAMPLE = "optimize_quickstart.jsonl"
OPTIMIZE_SUITE = "fairclimb-optimize"


@dataclass(frozen=True, slots=True)
class OptimizeExample:
    """One example sample of an optimize task, as its results line reports it."""

    task_id: str
    note: str
    status: str
    cost: float | None
    cost_measure: str
    speed_score: float | None
#: a small debug suite the quickstart builds (two HumanEval tasks, one bug each)
DEBUG_SUITE = "quickstart-debug"
_DEBUG_SOURCES = ("HumanEval/0", "HumanEval/12")

#: the file that says "the quickstart made this directory": without it nothing is removed
MARKER = ".fairclimb-quickstart"
_RUN_FILES = ("run.json", "results.jsonl", "summary.json")
_DEMO_DB = "arena-demo.db"
#: everything the quickstart writes, so a rerun replaces exactly that and nothing else
_OWN_FILES = (
    *_RUN_FILES,
    *(f"{sub}/{name}" for sub in ("optimize", "debug") for name in _RUN_FILES),
    "debug/debug_samples.jsonl",
    *(_DEMO_DB + suffix for suffix in ("", "-wal", "-shm", "-journal")),
)


@dataclass(frozen=True, slots=True)
class QuickstartResult:
    reference_check: ReferenceCheck
    samples_path: Path
    outcome: EvalOutcome
    arena: DemoArena
    optimize: list[OptimizeExample] = field(default_factory=list)
    #: the debug example: the buggy program unchanged, and the fix, on a debug task
    debug_outcome: EvalOutcome | None = None


def example_samples(name: str = EXAMPLE) -> Path:
    """An example samples file: packaged in a wheel, or ``examples/`` in a checkout."""
    packaged = resources.files("fairclimb").joinpath("_examples", name)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "examples" / name


def run_quickstart(out_dir: Path, options: EvalOptions, db_url: str,
                   on_progress: Callable[[int, int], None] | None = None) -> QuickstartResult:
    """Self-check the harness, evaluate the examples afresh into *out_dir*, and set up
    a demo arena store there (references against mutants; not served here)."""
    claim_out_dir(out_dir)
    check = check_references("humaneval", options, on_progress)
    samples = example_samples()
    plan = plan_evaluation("humaneval", samples, out_dir, options)
    with Store.open(db_url) as store:
        outcome = evaluate(plan, store, on_progress)
        optimize = _run_optimize_example(out_dir / "optimize", options, store, on_progress)
        debug = _debug_example(out_dir / "debug", options, store, on_progress)
    arena = build_demo_arena(out_dir / _DEMO_DB, get_suite("humaneval").tasks)
    return QuickstartResult(check, samples, outcome, arena, optimize, debug)


def claim_out_dir(out_dir: Path) -> None:
    """Make *out_dir* the quickstart's own, starting afresh: a new or empty directory
    gets the marker; a marked one loses the files a quickstart writes (and nothing
    else); any other directory is refused, since it may hold a user's results."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UserInputError(f"--out {str(out_dir)!r} exists and is not a directory")
    marker = out_dir / MARKER
    if out_dir.is_dir() and not marker.is_file() and any(out_dir.iterdir()):
        raise UserInputError(
            f"--out {str(out_dir)!r} already holds files the quickstart did not write; "
            "name a new or empty directory (the quickstart only replaces its own output)")
    out_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text("written by `fairclimb quickstart`; a rerun replaces its own files here\n",
                      encoding="utf-8")
    for name in _OWN_FILES:
        (out_dir / name).unlink(missing_ok=True)
    for sub in ("optimize", "debug"):
        if (out_dir / sub).is_dir() and not any((out_dir / sub).iterdir()):
            (out_dir / sub).rmdir()


def _run_optimize_example(out_dir: Path, options: EvalOptions, store: Store,
                          on_progress: Callable[[int, int], None] | None
                          ) -> list[OptimizeExample]:
    """Score the optimize examples: tests first, then CPU time on the heavy input."""
    plan = plan_evaluation(OPTIMIZE_SUITE, example_samples(OPTIMIZE_EXAMPLE), out_dir, options)
    evaluate(plan, store, on_progress)
    examples = []
    for line in (out_dir / "results.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        examples.append(OptimizeExample(
            task_id=row["task_id"], note=str(row.get("note", "")), status=row["status"],
            cost=row.get("cost"), cost_measure=row.get("cost_measure", ""),
            speed_score=row.get("speed_score"),
        ))
    return examples


def _debug_example(out_dir: Path, options: EvalOptions, store: Store,
                   on_progress: Callable[[int, int], None] | None) -> EvalOutcome:
    """Build a two-task debug suite, then judge two answers to each task: the buggy
    program handed back unchanged (fails) and the reference fix (passes, and its
    ``fix_distance`` in results.jsonl says how many characters the fix changed)."""
    build_debug_suite("humaneval", store, ProgramJudge(options),
                      DebugBuildOptions(only=_DEBUG_SOURCES, name=DEBUG_SUITE), on_progress)
    suite = get_suite(DEBUG_SUITE, store)
    out_dir.mkdir(parents=True, exist_ok=True)
    samples = out_dir / "debug_samples.jsonl"
    rows = [{"task_id": t.task_id, "solution": program}
            for t in suite.tasks for program in (t.buggy, t.reference_program)]
    samples.write_text("".join(json.dumps(row) + "\n" for row in rows))
    plan = plan_evaluation(DEBUG_SUITE, samples, out_dir, options, store)
    return evaluate(plan, store, on_progress)
