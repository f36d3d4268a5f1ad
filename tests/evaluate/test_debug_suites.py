"""Debug suites built from HumanEval, judged in the real sandbox, stored in real SQLite."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from fairclimb.errors import UserInputError
from fairclimb.evaluate import (
    EvalOptions,
    ProgramJudge,
    check_references,
    evaluate,
    fix_distance,
    plan_evaluation,
)
from fairclimb.sandbox import Limits
from fairclimb.store import Store, StoredSuite, SuiteRepository
from fairclimb.suites import (
    AdequacyOptions,
    BugClass,
    DebugBuildOptions,
    Split,
    TaskKind,
    build_debug_suite,
    check_adequacy,
    debug_task,
    get_suite,
    python_mutants,
    task_to_fields,
)

Built = tuple[Store, list[dict[str, object]]]
OPTIONS = EvalOptions(workers=2, limits=Limits(wall_s=1.0))  # one pool: see mutant_limits
JUDGE = ProgramJudge(OPTIONS)
SOURCES = ("HumanEval/0", "HumanEval/12", "HumanEval/13")


def _build(store: Store, seed: int = 0, per_task: int = 1,
           on_progress: Callable[[int, int], None] | None = None) -> list[dict[str, object]]:
    build_debug_suite("humaneval", store, JUDGE,
                      DebugBuildOptions(seed=seed, per_task=per_task, only=SOURCES,
                                        adequacy=AdequacyOptions(mutants_per_task=10)),
                      on_progress)
    return [task_to_fields(t) for t in get_suite("humaneval-debug", store).tasks]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """One build (seed 3, two bugs per task) shared by the tests that only read it."""
    with Store.open(str(tmp_path_factory.mktemp("built") / "store.db")) as store:
        yield store, _build(store, seed=3, per_task=2)


@pytest.mark.slow
def test_build_is_labelled_killed_and_reproducible(
        built: Built, store: Store) -> None:
    tasks = built[1]
    assert len(tasks) == 6
    humaneval = get_suite("humaneval")
    for fields in tasks:
        source = humaneval.get(str(fields["task_id"]).split("/", 1)[1].rsplit("/", 1)[0])
        assert source is not None
        assert fields["kind"] == TaskKind.DEBUG.value and fields["reference_whole"] is True
        assert BugClass(fields["bug_class"])
        assert str(fields["task_id"]).endswith(f"/{fields['bug_class']}-1")
        assert fields["reference"] == source.reference_program
        assert fields["buggy"] != fields["reference"]
        assert str(fields["buggy"]) in str(fields["prompt"])
        assert fields["tests"] == source.tests and fields["licence"] == "MIT"
        assert str(fields["origin"]).startswith("fairclimb: debug tasks generated from "
                                                "the suite humaneval")
        assert "seed 3" in str(fields["origin"])
    # two bugs of one source task are of different classes
    by_source: dict[str, set[object]] = {}
    for fields in tasks:
        by_source.setdefault(str(fields["task_id"]).rsplit("/", 1)[0], set()).add(
            fields["bug_class"])
    assert all(len(classes) == 2 for classes in by_source.values())
    assert _build(store, seed=3, per_task=2) == tasks  # same seed: identical tasks


@pytest.mark.slow
def test_buggy_programs_fail_and_fixes_pass_with_their_fix_distance(
        built: Built, tmp_path: Path,
        write_samples: Callable[..., Path]) -> None:
    store, tasks = built[0], built[1][::2]
    rows = [{"task_id": t["task_id"], "solution": t["buggy"]} for t in tasks]
    rows += [{"task_id": t["task_id"], "solution": t["reference"]} for t in tasks]
    samples = write_samples(rows)
    plan = plan_evaluation("humaneval-debug", samples, tmp_path / "out", OPTIONS, store)
    outcome = evaluate(plan, store)
    results = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").open()]
    assert [r["passed"] for r in results] == [False] * 3 + [True] * 3
    assert [r["fix_distance"] for r in results[:3]] == [0, 0, 0]
    expected = [fix_distance(str(t["buggy"]), str(t["reference"])) for t in tasks]
    assert [r["fix_distance"] for r in results[3:]] == expected
    assert all(d > 0 for d in expected)
    assert outcome.summary.mean_fix_distance == pytest.approx(sum(expected) / 3)
    assert json.loads((tmp_path / "out" / "summary.json").read_text())[
        "mean_fix_distance"] == pytest.approx(sum(expected) / 3)


@pytest.mark.slow
def test_an_interrupted_build_stores_nothing_and_keeps_the_old_one(
        built: Built) -> None:
    store, old = built

    def interrupt(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _build(store, seed=9, on_progress=interrupt)
    assert [task_to_fields(t) for t in get_suite("humaneval-debug", store).tasks] == old


def test_a_source_without_references_gets_one_sentence_and_nothing_stored(
        store: Store) -> None:
    task = get_suite("humaneval").tasks[0]
    fields = task_to_fields(task) | {"task_id": "noref/0", "suite": "noref", "reference": ""}
    SuiteRepository(store).put(StoredSuite("noref", "no references", "somewhere", {},
                                           [fields]))
    with pytest.raises(UserInputError, match="the suite noref has no reference solutions"):
        build_debug_suite("noref", store, JUDGE, DebugBuildOptions())
    assert [s.name for s in SuiteRepository(store).list()] == ["noref"]


@pytest.mark.slow
def test_private_source_tasks_give_private_debug_tasks(store: Store) -> None:
    task = get_suite("humaneval").get("HumanEval/13")
    assert task is not None
    fields = task_to_fields(task) | {"task_id": "priv/13", "suite": "priv",
                                     "split": Split.PRIVATE.value, "origin": "fairclimb"}
    SuiteRepository(store).put(StoredSuite("priv", "private", "fairclimb", {}, [fields]))
    build_debug_suite("priv", store, JUDGE, DebugBuildOptions())
    (built,) = get_suite("priv-debug", store).tasks
    assert built.split is Split.PRIVATE and built.task_id.startswith("priv-debug/priv/13/")


@pytest.mark.parametrize(("buggy", "answer", "distance"), [
    ("a\nb < c\nd\n", "a\nb <= c\nd\n", 1),
    ("a\nb\n", "a  \nb\n\n\n", 0),  # trailing whitespace is not a change
    ("x\n", "x\ny\n", 2),
    ("x\ny\n", "x\n", 2),
    ("kitten\n", "sitting\n", 3),
    ("", "ab\n", 3),
])
def test_fix_distance(buggy: str, answer: str, distance: int) -> None:
    assert fix_distance(buggy, answer) == distance
    assert fix_distance(answer, buggy) == distance


@pytest.mark.slow
def test_source_tasks_with_weak_tests_are_left_out_so_the_suite_passes_the_gate(
        store: Store) -> None:
    task = get_suite("fairclimb-implement").tasks[0]
    strong = task_to_fields(task) | {"task_id": "mixed/strong", "suite": "mixed"}
    weak = strong | {"task_id": "mixed/weak",  # one assert lets many mutants through
                     "tests": "def check(candidate):\n    assert candidate(5, [1]) == [5]\n"}
    SuiteRepository(store).put(StoredSuite("mixed", "strong and weak", "fairclimb", {},
                                           [strong, weak]))
    gate = AdequacyOptions(mutants_per_task=10)
    built = build_debug_suite("mixed", store, JUDGE, DebugBuildOptions(adequacy=gate))
    assert list(built.weak) == ["mixed/weak"] and built.weak["mixed/weak"] < 0.9
    assert built.size == 1 and not built.skipped
    stored = SuiteRepository(store).get("mixed-debug")
    assert stored is not None
    assert "1 of 2 source tasks left out" in stored.description
    assert stored.build["adequacy"] == {"threshold": 0.9, "mutants_per_task": 10, "seed": 0,
                                        "left_out": built.weak}
    (debug,) = get_suite("mixed-debug", store).tasks
    assert debug.task_id.startswith("mixed-debug/mixed/strong/")
    report = check_adequacy("mixed-debug", JUDGE, gate, store=store)
    assert report.exit_code == 0 and report.mutation_score >= 0.9


def test_check_references_finds_a_debug_task_whose_bug_passes(store: Store) -> None:
    source = get_suite("humaneval").get("HumanEval/13")
    assert source is not None
    good = debug_task(source, python_mutants(source.reference_program, source.entry_point,
                                             limit=1)[0], 1, 0, "shaky-debug")
    broken = replace(good, task_id="shaky-debug/broken", buggy=source.reference_program)
    SuiteRepository(store).put(StoredSuite("shaky-debug", "one broken task", good.origin, {},
                                           [task_to_fields(good), task_to_fields(broken)]))
    report = check_references("shaky-debug", OPTIONS, store=store)
    assert report.total == 2 and report.failures == []
    assert report.buggy_checked == 2 and report.buggy_passing == ["shaky-debug/broken"]
