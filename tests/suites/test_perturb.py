"""Perturbed variants as text: renaming and docstring rewriting (no code is run here)."""

from __future__ import annotations

import ast
import re

import pytest

from fairclimb.suites import SkipReason, get_suite
from fairclimb.suites._perturb import VariantPlan, plan_variant


def _plan(task_id: str, seed: int = 0) -> VariantPlan:
    task = get_suite("humaneval").get(task_id)
    assert task is not None
    plan = plan_variant(task, "humaneval-perturbed", seed)
    assert isinstance(plan, VariantPlan)
    return plan


def _doc(plan: VariantPlan) -> str:
    variant = plan.finish([f"out{i}" for i in range(len(plan.calls))])
    fn = next(n for n in ast.parse(variant.prompt).body
              if isinstance(n, ast.FunctionDef) and n.name == variant.entry_point)
    return ast.get_docstring(fn) or ""


@pytest.mark.parametrize(("task_id", "definitions"), [
    # the sequence is defined by calls in the prose: they are the spec, not examples
    ("HumanEval/46", ["(0) -> 0", "(1) -> 0", "(2) -> 2", "(3) -> 0"]),
    ("HumanEval/63", ["(0) == 0", "(1) == 0", "(2) == 1"]),
    ("HumanEval/130", ["(1) = 3"]),
])
def test_definitions_written_as_calls_are_kept_and_renamed(task_id: str,
                                                          definitions: list[str]) -> None:
    plan = _plan(task_id)
    doc = _doc(plan)
    new = plan.task.entry_point
    source = get_suite("humaneval").get(task_id)
    assert source is not None
    for piece in definitions:
        assert f"{new}{piece}" in doc, (piece, doc)
    assert f"{new}(" in doc
    assert not re.search(rf"(?<!\w){re.escape(source.entry_point)}\(", doc)


def test_examples_are_replaced_by_calls_from_the_tests() -> None:
    plan = _plan("HumanEval/0")
    doc = _doc(plan)
    assert doc.count(">>>") == len(plan.calls) == 2
    assert all(f">>> {text}" in doc for text in plan.call_texts)
    assert "out0" in doc and "out1" in doc
    assert "has_close_elements" not in doc


def test_a_task_without_literal_calls_in_its_tests_gets_no_variant() -> None:
    task = get_suite("humaneval").get("HumanEval/32")
    assert task is not None
    assert plan_variant(task, "p", 0) is SkipReason.NO_LITERAL_CALLS


def test_the_same_seed_gives_the_same_variant() -> None:
    assert _plan("HumanEval/12", 4) == _plan("HumanEval/12", 4)


def test_a_variant_says_it_was_transformed_and_keeps_its_licence() -> None:
    variant = _plan("HumanEval/12", 4).task
    assert variant.origin == ("fairclimb: perturbed variants of the suite humaneval "
                              "(openai/human-eval (Chen et al., 2021)) with seed 4")
    assert variant.licence == "MIT" and variant.suite == "humaneval-perturbed"
