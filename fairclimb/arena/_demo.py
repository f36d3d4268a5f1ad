"""A demo arena: a suite's references against mutants of them, two clearly labelled
demo entries, so the quickstart shows the arena working without any model.

The mutation is a deterministic textual one (one operator or constant changed); whether
a mutant fails its tests is not checked here, so mutants are stored with an unknown
verdict (no gold battles are made from them).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fairclimb.arena._battles import Arena
from fairclimb.arena._records import Role
from fairclimb.store import SampleIn, Store
from fairclimb.suites import Task

__all__ = ["DEMO_MUTANT", "DEMO_REFERENCE", "DemoArena", "build_demo_arena", "mutate"]

DEMO_REFERENCE = "demo: reference"
DEMO_MUTANT = "demo: mutant"
DEMO_ADMIN = "demo-admin"

# (pattern, replacement), tried in order; the first that matches makes the mutant.
_MUTATIONS = (
    (r"<=", "<"), (r">=", ">"), (r"(?<![<>=!])<(?![<=])", "<="), (r"(?<![<>=!-])>(?![>=])", ">="),
    (r"==", "!="), (r" \+ 1\b", ""), (r" - 1\b", ""), (r"\band\b", "or"), (r"\bTrue\b", "False"),
    (r"\+", "-"),
)


@dataclass(frozen=True, slots=True)
class DemoArena:
    db: Path
    admin: str
    password: str
    answers: int


def mutate(body: str) -> str | None:
    """``body`` with one deterministic change, or None if no mutation applies."""
    for pattern, replacement in _MUTATIONS:
        mutated, count = re.subn(pattern, replacement, body, count=1)
        if count and mutated != body:
            return mutated
    return None


def build_demo_arena(db: Path, tasks: Sequence[Task], limit: int = 30) -> DemoArena:
    """A fresh demo store at ``db`` with an admin (random password) and a briefing."""
    if db.exists():
        db.unlink()  # our own demo file: start it afresh each time
    samples = []
    for task in tasks:
        mutant = mutate(task.reference)
        if mutant is None:
            continue
        for model, answer, passed in ((DEMO_REFERENCE, task.reference, True),
                                      (DEMO_MUTANT, mutant, None)):
            samples.append(SampleIn(model, task.prompt, answer, suite=task.suite,
                                    task_id=task.task_id, language=task.language.value,
                                    kind=task.kind.value, passed=passed, origin="demo"))
        if len(samples) >= 2 * limit:
            break
    password = secrets.token_urlsafe(12)
    with Store.open(str(db)) as store:
        arena = Arena(store)
        arena.accounts.create(DEMO_ADMIN, password, Role.ADMIN)
        arena.briefing.publish(0.0, "USD", "nobody: this is a local demo arena")
        added = arena.import_samples(samples)
    return DemoArena(db, DEMO_ADMIN, password, added)
