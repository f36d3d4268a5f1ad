"""Mutation operators: each class yields the mutants it should, and only one bug each."""

from __future__ import annotations

import ast
import difflib

import pytest

from fairclimb.errors import UserInputError
from fairclimb.suites import BugClass, Mutant, Task, get_suite, mutants_for, python_mutants

PROGRAM = '''\
import math


def f(xs: list[int], k: int) -> int:
    """Sum of twice the items, less the indices below k. 1 < 2 stays in the docstring."""
    if not xs:
        return 0
    total = 0  # a comment that must survive
    i = 0
    while i < len(xs):
        total += xs[i] * 2
        i += 1
    for j in range(1, k):
        if xs[j - 1] >= k and total != 3:
            total = total - j
    return total


def untouched(a):
    return a + 1
'''


def _mutants(mutants: list[Mutant], bug_class: BugClass, description: str) -> list[Mutant]:
    found = [m for m in mutants if m.bug_class is bug_class and m.description == description]
    assert found, [(m.bug_class, m.description) for m in mutants]
    return found


def _changed_lines(a: str, b: str) -> list[tuple[str, str]]:
    """(old, new) of each changed line pair; deletions/insertions as ('x', '')."""
    matcher = difflib.SequenceMatcher(None, a.splitlines(), b.splitlines())
    pairs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            pairs.append(("\n".join(a.splitlines()[i1:i2]), "\n".join(b.splitlines()[j1:j2])))
    return pairs


CASES = [
    (BugClass.OFF_BY_ONE, "'<' became '<='", "    while i < len(xs):",
     "    while i <= len(xs):"),
    (BugClass.OFF_BY_ONE, "the range stop k became k + 1", "    for j in range(1, k):",
     "    for j in range(1, k + 1):"),
    (BugClass.OFF_BY_ONE, "the index i became i - 1", "        total += xs[i] * 2",
     "        total += xs[i - 1] * 2"),
    (BugClass.OFF_BY_ONE, "the constant 2 became 3", "        total += xs[i] * 2",
     "        total += xs[i] * 3"),
    (BugClass.INFINITE_LOOP, "the loop condition became True (it never turns false)",
     "    while i < len(xs):", "    while True:"),
    (BugClass.INFINITE_LOOP,
     "the loop variable 'i' is no longer updated (`i += 1` removed)",
     "        i += 1", "        pass"),
    (BugClass.WRONG_VARIABLE, "'total' became 'j'", "            total = total - j",
     "            total = j - j"),
    (BugClass.WRONG_OPERATOR, "'*' became '+'", "        total += xs[i] * 2",
     "        total += xs[i] + 2"),
    (BugClass.WRONG_OPERATOR, "'and' became 'or'",
     "        if xs[j - 1] >= k and total != 3:", "        if xs[j - 1] >= k or total != 3:"),
    (BugClass.WRONG_OPERATOR, "'!=' became '=='",
     "        if xs[j - 1] >= k and total != 3:", "        if xs[j - 1] >= k and total == 3:"),
    (BugClass.WRONG_OPERATOR, "'+=' became '-='", "        i += 1", "        i -= 1"),
    (BugClass.MISSING_EDGE_CASE, "the guard `if not xs:` was removed",
     "    if not xs:\n        return 0", "    pass"),
    (BugClass.WRONG_RETURN, "return total became return None", "    return total",
     "    return None"),
    (BugClass.WRONG_RETURN, "return total became return i", "    return total",
     "    return i"),
]


@pytest.mark.parametrize(("bug_class", "description", "old", "new"), CASES,
                         ids=[f"{c[0].value}:{c[1]}" for c in CASES])
def test_each_operator_makes_exactly_its_one_change(bug_class: BugClass, description: str,
                                                    old: str, new: str) -> None:
    found = _mutants(python_mutants(PROGRAM, "f"), bug_class, description)
    changes = [_changed_lines(PROGRAM, mutant.program) for mutant in found]
    assert all(len(change) == 1 for change in changes)  # one bug each
    (mutant,) = [m for m, change in zip(found, changes, strict=True) if change == [(old, new)]]
    assert mutant.program.splitlines()[mutant.line - 1] == new.splitlines()[0]


def test_every_mutant_parses_differs_and_stays_inside_the_entry_function() -> None:
    mutants = python_mutants(PROGRAM, "f")
    assert {m.bug_class for m in mutants} == set(BugClass)
    assert len({m.program for m in mutants}) == len(mutants)
    untouched_from = PROGRAM.index("def untouched")
    for mutant in mutants:
        ast.parse(mutant.program)
        assert mutant.program != PROGRAM
        assert mutant.program.endswith(PROGRAM[untouched_from:])  # other functions kept
        assert '"""Sum of twice the items, less the indices below k. 1 < 2' in mutant.program
        assert "# a comment that must survive" in mutant.program


def test_nested_functions_are_mutated_with_their_own_scope() -> None:
    program = "def outer(a):\n    def inner(b):\n        return b * 2\n    return inner(a)\n"
    mutants = python_mutants(program, "outer")
    assert any(m.description == "'*' became '+'" and m.line == 3 for m in mutants)
    assert not any(m.description == "'b' became 'inner'" for m in mutants)


def test_a_while_with_a_break_is_not_made_endless_by_its_condition() -> None:
    program = "def g(n):\n    while n > 0:\n        if n == 3:\n            break\n" \
              "        n -= 1\n    return n\n"
    descriptions = [m.description for m in python_mutants(program, "g")
                    if m.bug_class is BugClass.INFINITE_LOOP]
    assert descriptions == ["the loop variable 'n' is no longer updated (`n -= 1` removed)"]


def test_same_input_and_seed_give_the_same_list_and_limit_draws_across_classes() -> None:
    whole = python_mutants(PROGRAM, "f")
    assert python_mutants(PROGRAM, "f") == whole
    drawn = python_mutants(PROGRAM, "f", seed=7, limit=12)
    assert drawn == python_mutants(PROGRAM, "f", seed=7, limit=12)
    assert len(drawn) == 12 and all(m in whole for m in drawn)
    assert {m.bug_class for m in drawn} == set(BugClass)  # rare classes are not crowded out
    assert [whole.index(m) for m in drawn] == sorted(whole.index(m) for m in drawn)
    assert python_mutants(PROGRAM, "f", seed=8, limit=12) != drawn
    assert python_mutants(PROGRAM, "f", limit=10_000) == whole


@pytest.mark.parametrize(("program", "entry", "message"), [
    ("def f(:\n", "f", "does not parse"),
    ("def g():\n    return 1\n", "f", "no top-level function 'f'"),
])
def test_bad_programs_get_one_clear_sentence(program: str, entry: str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        python_mutants(program, entry)


def test_mutants_for_uses_the_whole_reference_program_of_a_humaneval_task() -> None:
    task = get_suite("humaneval").get("HumanEval/0")
    assert isinstance(task, Task)
    mutants = mutants_for(task, seed=1, limit=5)
    assert len(mutants) == 5
    assert all(m.program.startswith(task.prompt[:40]) for m in mutants)


def test_every_humaneval_reference_has_mutants() -> None:
    for task in get_suite("humaneval").tasks:
        assert python_mutants(task.reference_program, task.entry_point), task.task_id
