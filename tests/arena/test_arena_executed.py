"""Executed answers: arena answers to suite tasks run against the tasks' tests (through
the evaluate part, in the sandbox), their verdicts shown after the vote, counted against
the votes, used for gold checks and shown next to the ratings."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from ray_cluster import RayCluster

from fairclimb.arena import Arena, ArenaOptions, Role, SignedIn
from fairclimb.evaluate import EvalOptions, Status
from fairclimb.executor import Executor, ExecutorChoice
from fairclimb.sandbox import Limits
from fairclimb.store import NewBattle, SampleIn, Store
from fairclimb.suites import get_suite

_RIGHT = "def add(x, y):\n    return x + y\n"
_WRONG = "def add(x, y):\n    return x - y\n"
_OPTIONS = EvalOptions(workers=1, sandbox="rlimits", limits=Limits(wall_s=20.0))


def _samples(variants: int = 3) -> list[SampleIn]:
    task = get_suite("humaneval").get("HumanEval/53")  # add(x, y)
    assert task is not None
    rows = []
    for n in range(variants):  # distinct texts: a rater never sees an answer twice
        note = f"  # variant {n}\n"
        for model, answer in (("m-right", f"```python\n{_RIGHT}{note}```"),
                              ("m-wrong", _WRONG + note),
                              ("m-completion", "    return x + y" + note)):  # continues
            rows.append(SampleIn(model, task.prompt, answer, suite="humaneval",
                                 task_id=task.task_id, origin="generation"))
    # no task: nothing to run, no verdict invented
    rows.append(SampleIn("m-right", "Explain recursion.", "It calls itself.", kind="explain"))
    return rows


def _rater(arena: Arena, name: str) -> SignedIn:
    account = arena.accounts.create(name, "rater-password-1", Role.RATER)
    arena.briefing.accept(account, 1)
    refreshed = arena.data.account(username=name)
    assert refreshed is not None
    return arena.accounts.session(arena.accounts.start_session(refreshed)[0])


@pytest.fixture
def arena(tmp_path: Path) -> Arena:
    store = Store.open(str(tmp_path / "arena.db"))
    options = ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                           fast_vote_seconds=0.0, gold_rate=0.0)
    arena = Arena(store, options, np.random.default_rng(0))
    arena.briefing.publish(20.0, "USD", "the test team")
    arena.import_samples(_samples())
    return arena


def test_answers_to_suite_tasks_are_executed_and_their_verdicts_stored(arena: Arena) -> None:
    report = arena.execute_answers(_OPTIONS)
    assert (report.executed, report.passed) == (9, 6)
    verdicts = {(model, passed) for _, _, model, passed in arena.data.sample_pool()}
    assert verdicts == {("m-right", True), ("m-wrong", False), ("m-completion", True),
                        ("m-right", None)}  # the explanation has no tests
    assert arena.pass_rates() == {"m-right": (3, 3), "m-wrong": (0, 3),
                                  "m-completion": (3, 3)}
    # Run again: nothing left to execute (verdicts are kept, never paid for twice).
    assert arena.execute_answers(_OPTIONS).executed == 0


@pytest.mark.ray
@pytest.mark.slow
def test_answers_run_on_a_ray_cluster_get_the_local_verdicts(
        tmp_path: Path, ray_cluster: RayCluster, caplog: pytest.LogCaptureFixture) -> None:
    """The arena's executed answers (``arena run-tests``, live battles' suite tasks) run
    where the options say; on a Ray cluster's nodes their verdicts are the local ones."""
    ray_cluster.ensure_worker()
    seen = {}
    for name, executor in (("local", ExecutorChoice()),
                           ("ray", ExecutorChoice(Executor.RAY, ray_cluster.address))):
        arena = Arena(Store.open(str(tmp_path / f"{name}.db")))
        arena.import_samples(_samples())
        with caplog.at_level(logging.INFO, logger="fairclimb.evaluate"):
            report = arena.execute_answers(dataclasses.replace(_OPTIONS, executor=executor))
        seen[name] = ((report.executed, report.passed), arena.data.sample_pool())
    assert seen["ray"] == seen["local"]
    assert any("Ray node(s)" in record.getMessage() for record in caplog.records)
    assert seen["ray"][0] == (9, 6)


def test_javascript_answers_are_executed_too(tmp_path: Path) -> None:
    task = get_suite("fairclimb-js").tasks[0]
    assert task.reference
    arena = Arena(Store.open(str(tmp_path / "js.db")))
    wrong = f"function {task.entry_point}() {{ return null; }}\n"
    arena.import_samples([
        SampleIn(model, task.prompt, answer, suite="fairclimb-js", task_id=task.task_id,
                 language="javascript")
        for model, answer in (("m-js", f"```js\n{task.prompt}{task.reference}```"),
                                  ("m-bad", wrong))])
    report = arena.execute_answers(_OPTIONS)
    assert (report.executed, report.passed) == (2, 1)
    assert arena.pass_rates() == {"m-js": (1, 1), "m-bad": (0, 1)}


def test_verdicts_make_gold_checks_and_are_shown_only_after_the_vote(arena: Arena) -> None:
    arena.execute_answers(_OPTIONS)
    arena.set_gold_rate(0.5)
    seen_gold = False
    raters = [_rater(arena, name) for name in ("ann", "bob")]
    for rater in [r for r in raters for _ in range(4)]:
        battle_id = arena.next_battle(rater)
        battle = arena.battle(rater, battle_id)
        assert arena.shown_verdicts(rater, battle_id) is None  # not before the vote
        seen_gold = seen_gold or battle.gold_winner is not None
        arena.vote(rater, battle_id, "model_a")
        shown = arena.shown_verdicts(rater, battle_id)
        assert shown is not None and None not in shown  # both answers were executed
    assert seen_gold  # the gold rate is met from verdicts nobody typed in


def test_votes_that_prefer_the_failing_answer_are_counted(arena: Arena) -> None:
    arena.execute_answers(_OPTIONS)
    raters = [_rater(arena, name) for name in ("ann", "bob", "cy")]
    expected_agree = expected_disagree = 0
    for rater in raters:
        for _ in range(4):
            battle_id = arena.next_battle(rater)
            verdicts = arena.verdicts.battle_verdicts(battle_id)[battle_id]
            arena.vote(rater, battle_id, "model_a")  # always the left answer
            if verdicts[0] is not None and verdicts[1] is not None and \
                    verdicts[0] != verdicts[1]:
                if verdicts[0]:
                    expected_agree += 1
                else:
                    expected_disagree += 1
    agreement = arena.test_agreement()
    assert (agreement.agree, agreement.disagree) == (expected_agree, expected_disagree)
    assert agreement.decided == expected_agree + expected_disagree > 0


def test_a_verdict_keeps_its_status_and_detail(tmp_path: Path) -> None:
    """Not only passed/failed: an answer that never returns is shown as a timeout, with
    what the tests said, after the vote."""
    task = get_suite("humaneval").get("HumanEval/53")
    assert task is not None
    store = Store.open(str(tmp_path / "status.db"))
    arena = Arena(store, ArenaOptions(fast_vote_seconds=0.0, gold_rate=0.0),
                  np.random.default_rng(0))
    arena.briefing.publish(20.0, "USD", "the test team")
    arena.import_samples([
        SampleIn(model, task.prompt, answer, suite="humaneval", task_id=task.task_id)
        for model, answer in (("m-right", _RIGHT),
                              ("m-loops", "def add(x, y):\n    while True:\n        pass\n"))])
    arena.execute_answers(EvalOptions(workers=1, sandbox="rlimits",
                                      limits=Limits(wall_s=2.0)))
    rater = _rater(arena, "dee")
    battle_id = arena.next_battle(rater)
    arena.vote(rater, battle_id, "tie")
    battle = arena.battle(rater, battle_id)
    shown = dict(zip((battle.model_a, battle.model_b),
                     arena.shown_verdicts(rater, battle_id) or (), strict=True))
    right, loops = shown["m-right"], shown["m-loops"]
    assert right is not None and right.passed and right.status is Status.PASSED
    assert loops is not None and not loops.passed and loops.status is Status.TIMEOUT
    assert loops.detail  # what the run said, not only that it failed



def test_ties_and_both_bad_on_split_battles_count_against_the_tests(arena: Arena) -> None:
    """When one answer passed and the other did not, the tests say which is better: a
    tie or "both bad" goes against them as much as preferring the failing answer."""
    arena.execute_answers(_OPTIONS)
    pool = arena.data.sample_pool()
    wrong = next(r for r in pool if r[2] == "m-wrong")
    right = next(r for r in pool if r[2] == "m-right" and r[1] == wrong[1])
    for name, winner in (("w1", "model_a"), ("w2", "model_b"), ("w3", "tie"),
                         ("w4", "tie (bothbad)")):
        rater = _rater(arena, name)
        battle_id = arena.data.add_battle(NewBattle(  # A passed, B failed
            rater.account.id, right[1], right[0], wrong[0], "m-right", "m-wrong", 1.0, None,
            datetime.now(UTC) - timedelta(seconds=60)))
        arena.vote(rater, battle_id, winner)
    agreement = arena.test_agreement()
    assert (agreement.agree, agreement.disagree, agreement.ties, agreement.both_bad) == \
        (1, 1, 1, 1)
    assert (agreement.decided, agreement.split, agreement.against_tests) == (2, 4, 3)
    assert agreement.disagree_share == 0.75
