"""A demo arena: a suite's references against mutants of them, two clearly labelled
demo entries, so the quickstart shows the arena working without any model.

Each mutant is one real bug from the suites' mutation operators (an off-by-one, a wrong
operator, a missed edge case...), the first of the most telling class the reference
offers. Whether a mutant fails its tests is not checked here, so mutants are stored
with an unknown verdict (no gold battles are made from them).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fairclimb.arena._battles import Arena
from fairclimb.arena._records import Role
from fairclimb.errors import UserInputError
from fairclimb.store import SampleIn, Store
from fairclimb.suites import BugClass, Language, Task, python_mutants

__all__ = ["DEMO_MUTANT", "DEMO_REFERENCE", "DemoArena", "build_demo_arena", "mutate"]

DEMO_REFERENCE = "demo: reference"
DEMO_MUTANT = "demo: mutant"
DEMO_ADMIN = "demo-admin"

# Bugs a rater can spot by reading, most telling first; an infinite loop comes last.
_PREFERRED = (BugClass.OFF_BY_ONE, BugClass.WRONG_OPERATOR, BugClass.MISSING_EDGE_CASE,
              BugClass.WRONG_RETURN, BugClass.WRONG_VARIABLE, BugClass.INFINITE_LOOP)


@dataclass(frozen=True, slots=True)
class DemoArena:
    db: Path
    admin: str
    password: str
    answers: int


def mutate(program: str, entry_point: str, seed: int = 0) -> str | None:
    """*program* with one bug in *entry_point* (the first mutant of the most telling
    class), or None if no operator applies or the program does not parse."""
    try:
        mutants = python_mutants(program, entry_point, seed=seed)
    except UserInputError:
        return None
    for bug_class in _PREFERRED:
        for mutant in mutants:
            if mutant.bug_class is bug_class:
                return mutant.program
    return None


def _demo_answers(task: Task) -> tuple[str, str] | None:
    """(reference, mutant) as the task's answers are written: a continuation of the
    prompt when the mutant keeps the prompt intact, else whole programs."""
    if task.language is not Language.PYTHON:
        return None
    program = task.reference_program
    mutant = mutate(program, task.entry_point)
    if mutant is None:
        return None
    if not task.reference_whole and mutant.startswith(task.prompt):
        return task.reference, mutant[len(task.prompt):]
    return program, mutant


def build_demo_arena(db: Path, tasks: Sequence[Task], limit: int = 30) -> DemoArena:
    """A fresh demo store at ``db`` with an admin (random password) and a briefing."""
    if db.exists():
        db.unlink()  # our own demo file: start it afresh each time
    samples = []
    for task in tasks:
        answers = _demo_answers(task)
        if answers is None:
            continue
        reference, mutant = answers
        for model, answer, passed in ((DEMO_REFERENCE, reference, True),
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
