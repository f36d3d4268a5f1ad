"""The JavaScript mutator: one bug per mutant, labelled, never inside strings or regexes."""

from __future__ import annotations

import random

import pytest

from fairclimb.errors import UserInputError
from fairclimb.suites import BugClass, Language, Mutator, balanced_draw, python_mutants
from fairclimb.suites._js_mutants import javascript_mutants, tokenize

PROGRAM = """\
/** Sum the values below limit; a comment with < and i++ and `backticks`. */
function sumBelow(values, limit) {
  if (values.length === 0) return 0;
  const pattern = /a<b[/]+/g;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < limit && pattern.test("x < y")) {
      total += values[i];
    }
  }
  let rounds = 0;
  while (rounds < 3) {
    rounds++;
  }
  return total > 10 ? `${total - 1} big` : 'small: ' + total;
}
"""


def mutants_by_class() -> dict[BugClass, list[str]]:
    found: dict[BugClass, list[str]] = {}
    for mutant in javascript_mutants(PROGRAM, "sumBelow"):
        found.setdefault(mutant.bug_class, []).append(mutant.description)
    return found


def test_the_tokenizer_round_trips_and_skips_literals() -> None:
    tokens = tokenize(PROGRAM)
    assert "".join(token.text for token in tokens) == PROGRAM
    kinds = {token.text: token.kind for token in tokens}
    assert kinds["/a<b[/]+/g"] == "regex"
    assert kinds['"x < y"'] == "string"
    assert kinds["`${total - 1} big`"] == "template"
    assert kinds["'small: '"] == "string"
    assert tokenize("a / b / c")[2].kind == "punct"  # division, not a regex


def test_every_class_is_produced() -> None:
    assert set(mutants_by_class()) == set(BugClass)


@pytest.mark.parametrize(("bug_class", "description"), [
    (BugClass.OFF_BY_ONE, "'<' became '<='"),
    (BugClass.OFF_BY_ONE, "10 became 11"),
    (BugClass.WRONG_OPERATOR, "'&&' became '||'"),
    (BugClass.WRONG_OPERATOR, "'===' became '!=='"),
    (BugClass.WRONG_OPERATOR, "'+=' became '-='"),
    (BugClass.MISSING_EDGE_CASE, "the guard `if (values.length === 0) return 0;` was removed"),
    (BugClass.INFINITE_LOOP, "the loop update `i++` was removed"),
    (BugClass.INFINITE_LOOP, "the update `rounds++;` was removed"),
    (BugClass.WRONG_RETURN, "`return 0` became `return 1`"),
])
def test_expected_mutants(bug_class: BugClass, description: str) -> None:
    assert description in mutants_by_class()[bug_class]


def test_each_mutant_changes_one_place_and_never_a_literal_or_comment() -> None:
    protected = ["/a<b[/]+/g", '"x < y"', "`${total - 1} big`", "'small: '",
                 "/** Sum the values below limit; a comment with < and i++ and `backticks`. */"]
    mutants = javascript_mutants(PROGRAM, "sumBelow")
    assert len(mutants) > 30
    for mutant in mutants:
        assert mutant.program != PROGRAM
        if mutant.bug_class is not BugClass.WRONG_RETURN:  # it replaces a whole value
            for text in protected:
                assert text in mutant.program, mutant.description
        changed = [i for i, (a, b) in enumerate(zip(PROGRAM.splitlines(),
                                                    mutant.program.splitlines(), strict=False))
                   if a != b]
        assert changed and changed[0] + 1 == mutant.line, mutant


def test_wrong_variable_uses_declared_names_only() -> None:
    for description in mutants_by_class()[BugClass.WRONG_VARIABLE]:
        old, new = description.split("' became '")
        assert old.strip("'") in {"values", "limit", "total", "i", "rounds", "pattern"}
        assert new.strip("'") in {"values", "limit", "total", "i", "rounds", "pattern"}
    # Declarations and property names are left alone.
    assert not any(m.program.count("function sumBelow(values, limit)") == 0
                   for m in javascript_mutants(PROGRAM, "sumBelow"))


def test_deterministic_per_seed_and_limited() -> None:
    first = javascript_mutants(PROGRAM, "sumBelow", seed=7, limit=5)
    again = javascript_mutants(PROGRAM, "sumBelow", seed=7, limit=5)
    other = javascript_mutants(PROGRAM, "sumBelow", seed=8, limit=5)
    assert [m.program for m in first] == [m.program for m in again]
    assert len(first) == 5
    assert [m.program for m in first] != [m.program for m in other]
    assert len({m.program for m in javascript_mutants(PROGRAM, "sumBelow")}) == len(
        javascript_mutants(PROGRAM, "sumBelow"))


def test_an_else_branch_keeps_its_guard() -> None:
    source = "function f(x) {\n  if (x) return 1;\n  else return 2;\n}\n"
    classes = {m.bug_class for m in javascript_mutants(source, "f")}
    assert BugClass.MISSING_EDGE_CASE not in classes


def test_one_balanced_draw_for_both_languages() -> None:
    """A limited JavaScript draw takes the classes in turn, as the Python one does (it
    used to be uniform: the plentiful wrong-variable swaps crowded out the rare ones)."""
    whole = javascript_mutants(PROGRAM, "sumBelow")
    classes = {m.bug_class for m in whole}
    assert len(classes) >= 4 and len(whole) > 2 * len(classes)
    for seed in range(5):
        drawn = javascript_mutants(PROGRAM, "sumBelow", seed=seed, limit=len(classes))
        assert {m.bug_class for m in drawn} == classes  # one of each
        every = javascript_mutants(PROGRAM, "sumBelow", seed=seed)
        positions = [every.index(m) for m in drawn]
        assert positions == sorted(positions)  # in source order
    rare = [m for m in whole if m.bug_class is not BugClass.WRONG_VARIABLE][:2]
    many = [m for m in whole if m.bug_class is BugClass.WRONG_VARIABLE]
    assert set(balanced_draw([*many, *rare], 3, random.Random(0))) >= set(rare)


@pytest.mark.parametrize(("language", "program"), [
    (Language.PYTHON, "def other(x):\n    return x + 1\n"),
    (Language.JAVASCRIPT, "function other(x) {\n  return x + 1;\n}\n")])
def test_both_mutators_refuse_a_program_without_its_entry_point(
        language: Language, program: str) -> None:
    mutator: Mutator = python_mutants if language is Language.PYTHON else javascript_mutants
    with pytest.raises(UserInputError, match=r"defines no .*function 'solve'"):
        mutator(program, "solve")
    assert mutator(program, "other")  # the same program, its own entry point


def test_a_draw_smaller_than_the_classes_draws_the_classes_too() -> None:
    """One bug per debug task: over seeds, the tasks mix classes (the builder's old
    draw did; the first class in a fixed order every time would not)."""
    whole = javascript_mutants(PROGRAM, "sumBelow")
    picked = {balanced_draw(whole, 1, random.Random(seed))[0].bug_class for seed in range(40)}
    assert picked == {m.bug_class for m in whole}
    everything = balanced_draw(whole, len(whole), random.Random(3))
    assert everything == whole  # all of them, in source order
