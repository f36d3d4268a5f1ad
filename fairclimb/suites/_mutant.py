"""What every mutator makes and how a few mutants are drawn from many: the records both
mutators (Python, JavaScript) import, so neither imports the other."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = ["BugClass", "Mutant", "Mutator", "balanced_draw"]


class BugClass(StrEnum):
    OFF_BY_ONE = "off-by-one"
    INFINITE_LOOP = "infinite-loop"
    WRONG_VARIABLE = "wrong-variable"
    WRONG_OPERATOR = "wrong-operator"
    MISSING_EDGE_CASE = "missing-edge-case"
    WRONG_RETURN = "wrong-return"


@dataclass(frozen=True, slots=True)
class Mutant:
    """One single-bug variant of a reference program.

    ``program`` is the whole mutated program; ``line`` the 1-based line of the change in
    it; ``description`` says what changed, for people (``'<' became '<='``).
    """

    bug_class: BugClass
    program: str
    line: int
    description: str


class Mutator(Protocol):
    """The one contract of a language's mutator.

    *entry_point* names the function under test: the program must define it at top level
    (otherwise :class:`~fairclimb.errors.UserInputError`), and only the code it runs is
    mutated (the language's mutator says which: Python's mutates the entry function,
    JavaScript's every function, helpers being part of the behaviour). Every mutant
    differs from *program* and from the others; the list is in source order and the same
    for the same input. With *limit*, that many are taken by :func:`balanced_draw`
    seeded with *seed*.
    """

    def __call__(self, program: str, entry_point: str, *, seed: int = 0,
                 limit: int | None = None) -> list[Mutant]: ...


def balanced_draw(mutants: Sequence[Mutant], limit: int, rng: random.Random) -> list[Mutant]:
    """*limit* of *mutants* (all of them if fewer), drawn class by class in turn (a random
    one of each class per round), so that the plentiful classes (a name can be swapped
    for every other name) do not crowd out the rare ones; returned in source order.
    When fewer are wanted than there are classes, which classes is drawn too (one bug
    per debug task would otherwise always be the first class, never a mix).

    The one draw: both mutators, the adequacy gate and the debug suite builder use it.
    """
    by_class: dict[BugClass, list[int]] = {}
    for index, mutant in enumerate(mutants):
        by_class.setdefault(mutant.bug_class, []).append(index)
    queues = []
    for bug_class in BugClass:
        indices = by_class.get(bug_class, [])
        rng.shuffle(indices)
        queues.append(indices)
    if limit < len(by_class):  # after the shuffles: larger draws are as they always were
        rng.shuffle(queues)
    chosen: list[int] = []
    while len(chosen) < min(limit, len(mutants)):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop())
    return [mutants[i] for i in sorted(chosen)]
