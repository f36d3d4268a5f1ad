"""Pure rules of the arena: pair sampling, quality flags (rate limits, which live in the
database, are in test_arena_limits.py)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from fairclimb.arena import (
    ArenaOptions,
    PairStats,
    Pool,
    battle_records,
    draw_battle,
    pair_probabilities,
    rater_quality,
)
from fairclimb.data import Excluded, Exclusion
from fairclimb.store import VoteRow


def _pool(models: int = 4, prompts: int = 3) -> Pool:
    rows = [(m * prompts + p + 1, p + 1, f"m{m}", None)
            for m in range(models) for p in range(prompts)]
    return Pool.of(rows)


def test_pair_probabilities_sum_to_one_and_even_out_models() -> None:
    pool = _pool()
    probabilities = pair_probabilities(pool, {}, {})
    assert sum(probabilities.values()) == pytest.approx(1.0)
    assert len(set(np.round(list(probabilities.values()), 12))) == 1  # all equal at start
    # A model shown far less than the others is drawn more.
    behind = pair_probabilities(pool, {}, {"m0": 0, "m1": 50, "m2": 50, "m3": 50})
    share = {m: sum(p for k, p in behind.items() if m in k) for m in ("m0", "m1")}
    assert share["m0"] > share["m1"]


def test_settled_pairs_are_drawn_less() -> None:
    pool = _pool(3)
    settled = {("m0", "m1"): PairStats(first_wins=40, second_wins=2)}
    open_ = {("m0", "m1"): PairStats(first_wins=21, second_wins=21)}
    assert not settled[("m0", "m1")].uncertain() and open_[("m0", "m1")].uncertain()
    assert (pair_probabilities(pool, settled, {})[("m0", "m1")]
            < pair_probabilities(pool, open_, {})[("m0", "m1")])


def test_draws_follow_their_stated_probabilities() -> None:
    pool = _pool(3)
    stats = {("m0", "m1"): PairStats(first_wins=40, second_wins=2)}
    rng = np.random.default_rng(3)
    draws = [draw_battle(pool, stats, {}, rng) for _ in range(4000)]
    counts = Counter(tuple(sorted((d.model_a, d.model_b))) for d in draws if d)
    for pair, p in pair_probabilities(pool, stats, {}).items():
        assert counts[pair] / 4000 == pytest.approx(p, abs=0.03)
        assert all(d.probability == pytest.approx(p) for d in draws
                   if d and tuple(sorted((d.model_a, d.model_b))) == pair)
    sides = Counter(d.model_a for d in draws if d)
    assert min(sides.values()) > 1000  # sides are randomised


def test_gold_battles_pair_a_pass_with_a_fail() -> None:
    pool = Pool.of([(1, 1, "good", True), (2, 1, "bad", False), (3, 1, "x", None)])
    rng = np.random.default_rng(0)
    draws = [draw_battle(pool, {}, {}, rng, gold_rate=0.5) for _ in range(400)]
    gold = [d for d in draws if d and d.gold_winner]
    assert 120 < len(gold) < 280
    for d in gold:
        winner = d.model_a if d.gold_winner == "model_a" else d.model_b
        assert winner == "good"


_CLOCK = itertools.count()


def _vote(rater: int, winner: str, a: str = "m0", b: str = "m1", *, gold: str | None = None,
          flag: str | None = None) -> VoteRow:
    return VoteRow(battle_id=0, rater_id=rater, judge=f"rater-{rater}", model_a=a, model_b=b,
                   winner=winner, probability=0.5, gold_winner=gold, seconds=30.0, flag=flag,
                   language="python", kind="implement", labels_a=[], labels_b=[], comment="",
                   correction="",  # one task after another: none overlaps the last
                   created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=next(_CLOCK)))


def test_position_bias_and_gold_accuracy_flags() -> None:
    options = ArenaOptions(min_votes_for_flags=20)
    votes = [_vote(1, "model_a") for _ in range(30)]  # always left
    votes += [_vote(2, "model_a" if i % 2 else "model_b") for i in range(30)]
    votes += [_vote(3, "model_b", gold="model_a") for _ in range(5)]
    quality = rater_quality(votes, options)
    assert any(f.kind is Exclusion.POSITION_BIAS and "position bias" in f.detail
               for f in quality[1].flags)
    assert quality[2].flags == []
    assert quality[3].gold_accuracy == 0.0
    assert [f.kind for f in quality[3].flags] == [Exclusion.LOW_GOLD_ACCURACY]
    assert "gold accuracy" in quality[3].flags[0].detail
    records = battle_records([*votes, _vote(2, "tie", flag="fast vote")], quality)
    assert all(r.excluded and "position bias" in r.reason for r in records[:30])
    assert all(Exclusion.POSITION_BIAS in {e.kind for e in r.exclusions} for r in records[:30])
    assert not any(r.excluded for r in records[30:60])
    assert records[-1].excluded and records[-1].reason == "fast vote"
    assert records[-1].exclusions == (Excluded(Exclusion.FAST_VOTE, "fast vote"),)
    assert records[0].weight == 2.0


def test_a_rater_who_follows_one_model_is_flagged() -> None:
    options = ArenaOptions(min_votes_for_flags=20)
    votes = []
    for i in range(20):  # rater 1: m0 wins whichever side it is on
        votes.append(_vote(1, "model_a" if i % 2 else "model_b",
                           *(("m0", "m1") if i % 2 else ("m1", "m0"))))
        votes.append(_vote(2, "model_b" if i % 3 else "model_a"))  # others: m0 loses often
    flags = rater_quality(votes, options)[1].flags
    assert any(flag.kind is Exclusion.FOLLOWS_MODEL and flag.detail.startswith("follows m0")
               for flag in flags)


def test_demo_arena_pits_references_against_mutants(tmp_path: Path) -> None:
    from fairclimb.arena import DEMO_MUTANT, DEMO_REFERENCE, Arena, build_demo_arena, mutate
    from fairclimb.store import Store
    from fairclimb.suites import get_suite

    assert mutate("def f(a, b):\n    return a <= b\n", "f") == "def f(a, b):\n    return a < b\n"
    assert mutate("def f():\n    pass\n", "f") is None
    demo = build_demo_arena(tmp_path / "demo.db", get_suite("humaneval").tasks, limit=10)
    assert demo.answers == 20
    with Store.open(str(demo.db)) as store:
        arena = Arena(store)
        models = {row[2] for row in arena.data.sample_pool()}
        assert models == {DEMO_REFERENCE, DEMO_MUTANT}
        _, admin = arena.accounts.login(demo.admin, demo.password)
        assert arena.briefing.current() is not None
        arena.briefing.accept(admin.account, 1)
        rater = arena.accounts.session(arena.accounts.start_session(
            arena.data.account(username=demo.admin))[0])  # type: ignore[arg-type]
        battle = arena.battle(rater, arena.next_battle(rater))
        assert {battle.model_a, battle.model_b} == models
        assert battle.answer_a != battle.answer_b
