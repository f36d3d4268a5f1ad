"""The test adequacy gate on tiny suites stored in a real SQLite store, in the sandbox."""

from __future__ import annotations

import pytest

from fairclimb.evaluate import EvalOptions, ProgramJudge
from fairclimb.sandbox import Limits
from fairclimb.store import Store, StoredSuite, SuiteRepository
from fairclimb.suites import (
    AdequacyOptions,
    Task,
    TaskKind,
    check_adequacy,
    get_suite,
    task_to_fields,
)
from fairclimb.suites.build._adequacy import GATE_FAILED_EXIT

# one pool: see mutant_limits
OPTIONS = ProgramJudge(EvalOptions(workers=2, limits=Limits(wall_s=1.0)))

CLAMP = '''def clamp(x, lo, hi):
    """x, moved into [lo, hi]."""
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x
'''
STRONG = '''def check(candidate):
    assert candidate(5, 0, 10) == 5
    assert candidate(-3, 0, 10) == 0
    assert candidate(13, 0, 10) == 10
    assert candidate(0, 0, 10) == 0
    assert candidate(10, 0, 10) == 10
    assert candidate(1, 0, 10) == 1
    assert candidate(9, 0, 10) == 9
    assert candidate(-1, 0, 10) == 0
    assert candidate(11, 0, 10) == 10
    assert candidate(4, 2, 8) == 4
'''
WEAK = "def check(candidate):\n    assert candidate(5, 0, 10) == 5\n"


def tiny_suite(name: str, tests: str, origin: str = "fairclimb",
               webdev: bool = False) -> StoredSuite:
    tasks = [Task(task_id=f"{name}/clamp", suite=name, prompt="Write clamp.\n",
                  entry_point="clamp", reference=CLAMP, tests=tests, origin=origin,
                  licence="Apache-2.0", reference_whole=True)]
    if webdev:
        tasks.append(Task(task_id=f"{name}/page", suite=name, prompt="A pricing table.",
                          entry_point="", reference="", tests="", kind=TaskKind.WEBDEV,
                          origin=origin))
    return StoredSuite(name, f"{name} suite", origin, {},
                       [task_to_fields(task) for task in tasks])


@pytest.mark.slow
def test_strong_tests_pass_the_gate_and_weak_ones_fail_it(store: Store) -> None:
    SuiteRepository(store).put(tiny_suite("strong", STRONG, webdev=True))
    SuiteRepository(store).put(tiny_suite("weak", WEAK))
    strong = check_adequacy("strong", OPTIONS, AdequacyOptions(), store=store)
    weak = check_adequacy("weak", OPTIONS, AdequacyOptions(), store=store)

    assert not strong.third_party and strong.passed and strong.exit_code == 0
    (clamp, page) = strong.tasks
    assert clamp.gated and clamp.mutants >= 10 and clamp.score >= 0.9
    assert clamp.reference is not None and clamp.reference.passed
    assert not page.gated and not page.weak(0.9)  # judged by people, not gated

    assert not weak.third_party and not weak.passed and weak.exit_code == GATE_FAILED_EXIT
    (task,) = weak.weak
    assert task.task_id == "weak/clamp" and task.score < 0.9 and task.survivors
    assert weak.to_json()["weak_tasks"] == ["weak/clamp"]
    survivors = weak.to_json()["tasks"][0]["survivors"]  # type: ignore[index]
    assert {"bug_class", "line", "description"} <= set(survivors[0])
    assert weak.mutation_score < strong.mutation_score


@pytest.mark.slow
def test_a_third_party_suite_is_reported_not_failed(store: Store) -> None:
    humaneval = get_suite("humaneval")
    tasks = [humaneval.tasks[i] for i in (0, 2)]  # HumanEval/2 is weakly tested
    SuiteRepository(store).put(StoredSuite(
        "he-mini", "two HumanEval tasks", humaneval.origin, {},
        [task_to_fields(t) for t in tasks]))
    report = check_adequacy("he-mini", OPTIONS, AdequacyOptions(threshold=1.0), store=store)
    assert report.third_party and report.exit_code == 0
    assert report.references_passed == 2
    assert [t.task_id for t in report.weak] == [t.task_id for t in report.tasks
                                               if t.score < 1.0]


def test_a_failing_reference_makes_the_task_weak(store: Store) -> None:
    SuiteRepository(store).put(tiny_suite("broken", "def check(candidate):\n"
                                                    "    assert candidate(5, 0, 10) == 6\n"))
    report = check_adequacy("broken", OPTIONS, AdequacyOptions(mutants_per_task=1),
                            store=store)
    (task,) = report.weak
    assert task.reference is not None and not task.reference.passed
    assert report.exit_code == GATE_FAILED_EXIT


@pytest.mark.parametrize(("threshold", "mutants"), [(1.5, 30), (-0.1, 30), (0.9, 0)])
def test_bad_gate_options_are_refused(threshold: float, mutants: int) -> None:
    from fairclimb.errors import UserInputError

    with pytest.raises(UserInputError):
        AdequacyOptions(threshold=threshold, mutants_per_task=mutants)


def test_a_suite_judged_by_people_is_listed_not_gated(store: Store) -> None:
    page = Task(task_id="pages/pricing", suite="pages", prompt="A pricing table.",
                entry_point="", reference="", tests="", kind=TaskKind.WEBDEV,
                origin="fairclimb")
    SuiteRepository(store).put(StoredSuite("pages", "web pages", "fairclimb", {},
                                           [task_to_fields(page)]))
    report = check_adequacy("pages", OPTIONS, AdequacyOptions(), store=store)
    (task,) = report.tasks
    assert not task.gated and report.gated == [] and report.passed
    assert report.exit_code == 0 and report.to_json()["gated_tasks"] == 0
