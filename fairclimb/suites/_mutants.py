"""Mutants: a reference with exactly one bug, labelled with the class of the bug.

The classes are the errors raters are asked to flag. Mutants feed the ``debug`` suites
(one bug per task) and the test-adequacy gate (tests must kill the reference's
mutants). Producing them is pure text work; running them is :mod:`fairclimb.evaluate`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["BugClass", "Mutant"]


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
