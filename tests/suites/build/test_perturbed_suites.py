"""Perturbed suites built from HumanEval: real sandbox, real SQLite store."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from fairclimb.errors import UnknownSuiteError
from fairclimb.evaluate import EvalOptions, ProgramJudge, check_references
from fairclimb.sandbox import Limits
from fairclimb.store import Store
from fairclimb.suites import (
    PerturbBuild,
    SkipReason,
    Task,
    build_perturbed_suite,
    get_suite,
    source_task_id,
)

OPTIONS = EvalOptions(workers=2, limits=Limits(wall_s=3.0))
JUDGE = ProgramJudge(OPTIONS)
Built = tuple[Store, PerturbBuild]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """The whole of HumanEval, perturbed once, shared by the tests that only read it."""
    with Store.open(str(tmp_path_factory.mktemp("perturbed") / "store.db")) as store:
        yield store, build_perturbed_suite("humaneval", store, JUDGE, seed=5)


def _names(code: str) -> set[str]:
    tree = ast.parse(code)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    return names | {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}


def _entry(task: Task) -> ast.FunctionDef:
    return next(n for n in ast.parse(task.prompt).body
                if isinstance(n, ast.FunctionDef) and n.name == task.entry_point)


@pytest.mark.slow
def test_every_variant_passes_its_renamed_tests(built: Built) -> None:
    store, build = built
    assert build.size >= 150 and build.considered == 164
    assert set(build.skipped) | {source_task_id(t.task_id, build.name)
                                 for t in get_suite(build.name, store).tasks} \
        == {t.task_id for t in get_suite("humaneval").tasks}
    # a second, independent path: the suite's own reference self-check
    report = check_references(build.name, OPTIONS, store=store)
    assert report.failures == [] and report.passed == build.size


@pytest.mark.slow
def test_the_renaming_reaches_prompt_tests_and_reference(built: Built) -> None:
    store, build = built
    humaneval = get_suite("humaneval")
    for variant in get_suite(build.name, store).tasks:
        source = humaneval.get(source_task_id(variant.task_id, build.name))
        assert source is not None
        old, new = source.entry_point, variant.entry_point
        assert new != old
        program = _names(variant.reference_program)
        assert old not in program and new in program
        assert old not in _names(variant.tests)
        old_params = {a.arg for a in _entry(source).args.args}
        new_params = {a.arg for a in _entry(variant).args.args}
        assert not old_params & new_params
        body = next(n for n in ast.parse(variant.reference_program).body
                    if isinstance(n, ast.FunctionDef) and n.name == new)
        assert not old_params & _names(ast.unparse(body))  # the body uses the new names
        doc = ast.get_docstring(_entry(variant)) or ""
        assert not re.search(rf"\b{re.escape(old)}\(", doc)
        if ">>>" in doc:
            assert f">>> {new}(" in doc


@pytest.mark.slow
def test_helpers_are_renamed_in_the_tests_too(built: Built) -> None:
    store, build = built
    variant = get_suite(build.name, store).get(f"{build.name}/HumanEval/38")
    assert variant is not None
    helper = next(n.name for n in ast.parse(variant.prompt).body
                  if isinstance(n, ast.FunctionDef) and n.name != variant.entry_point)
    assert helper != "encode_cyclic" and helper in _names(variant.tests)
    assert "encode_cyclic" not in _names(variant.tests)


@pytest.mark.slow
def test_examples_are_computed_by_the_reference_and_reworded(built: Built) -> None:
    store, build = built
    variant = get_suite(build.name, store).get(f"{build.name}/HumanEval/0")
    source = get_suite("humaneval").get("HumanEval/0")
    assert variant is not None and source is not None
    doc = ast.get_docstring(_entry(variant)) or ""
    shown = re.findall(r">>> (.*)\n\s*(.*)", doc)
    assert shown
    # each shown output is what the reference answers (the tests assert the same)
    for call, output in shown:
        args = call.split("(", 1)[1].rsplit(")", 1)[0]
        assert f"candidate({args}) == {output}" in variant.tests
    assert doc.split("\n")[0] != (ast.get_docstring(_entry(source)) or "").split("\n")[0]


@pytest.mark.slow
def test_the_original_is_unaltered_and_the_build_reproducible(built: Built,
                                                               tmp_path: Path) -> None:
    store, build = built
    assert get_suite("humaneval").get("HumanEval/0") == get_suite("humaneval").tasks[0]
    assert build.skipped.get("HumanEval/32") is SkipReason.NO_LITERAL_CALLS
    only = ("HumanEval/0", "HumanEval/38")
    with Store.open(str(tmp_path / "again.db")) as again:
        build_perturbed_suite("humaneval", again, JUDGE, seed=5, only=only)
        rebuilt = get_suite(build.name, again).tasks
    first = get_suite(build.name, store)
    assert [first.get(t.task_id) for t in rebuilt] == list(rebuilt)


def test_an_unknown_source_suite_is_refused(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "s.db")) as store, pytest.raises(UnknownSuiteError):
        build_perturbed_suite("nope", store, JUDGE)
