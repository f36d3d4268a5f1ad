"""The quickstart: what ``fairclimb quickstart`` runs, on embedded defaults."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fairclimb.arena import DemoArena, build_demo_arena
from fairclimb.evaluate import (
    EvalOptions,
    EvalOutcome,
    ReferenceCheck,
    check_references,
    evaluate,
    plan_evaluation,
)
from fairclimb.store import Store
from fairclimb.suites import get_suite

__all__ = ["QuickstartResult", "example_samples", "run_quickstart"]

EXAMPLE = "humaneval_quickstart.jsonl"


@dataclass(frozen=True, slots=True)
class QuickstartResult:
    reference_check: ReferenceCheck
    samples_path: Path
    outcome: EvalOutcome
    arena: DemoArena


def example_samples() -> Path:
    """The example samples file: packaged in a wheel, or ``examples/`` in a checkout."""
    packaged = resources.files("fairclimb").joinpath("_examples", EXAMPLE)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "examples" / EXAMPLE


def run_quickstart(out_dir: Path, options: EvalOptions, db_url: str,
                   on_progress: Callable[[int, int], None] | None = None) -> QuickstartResult:
    """Self-check the harness, evaluate the examples afresh into *out_dir*, and set up
    a demo arena store there (references against mutants; not served here)."""
    check = check_references("humaneval", options, on_progress)
    samples = example_samples()
    if (out_dir / "run.json").exists():
        shutil.rmtree(out_dir)  # our own demo directory: start it afresh each time
    plan = plan_evaluation("humaneval", samples, out_dir, options)
    with Store.open(db_url) as store:
        outcome = evaluate(plan, store, on_progress)
    arena = build_demo_arena(out_dir / "arena-demo.db", get_suite("humaneval").tasks)
    return QuickstartResult(check, samples, outcome, arena)
