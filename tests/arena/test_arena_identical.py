"""The arena never serves a battle whose two answers are the same text: a vote between
them says nothing and would become a useless ``chosen == rejected`` pair (issue 10)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fairclimb.arena import (
    Arena,
    ArenaOptions,
    NoBattleAvailable,
    Pool,
    Role,
    SignedIn,
    draw_battle,
)
from fairclimb.store import SampleIn, Store

_FAST = ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                     fast_vote_seconds=0.0, gold_rate=0.0)
SAME = "def f(x):\n    return x\n"


def _rater(arena: Arena, name: str) -> SignedIn:
    account = arena.accounts.create(name, "rater-password-1", Role.RATER)
    arena.briefing.accept(account, 1)
    refreshed = arena.data.account(username=name)
    assert refreshed is not None
    return arena.accounts.session(arena.accounts.start_session(refreshed)[0])


def test_pool_pairs_only_answers_that_differ() -> None:
    rows = [(1, 1, "m1", None), (2, 1, "m2", None), (3, 2, "m1", None), (4, 2, "m2", None),
            (5, 2, "m2", None)]
    pool = Pool.of(rows, {1: "h", 2: "h", 3: "h", 4: "h", 5: "other"})
    assert pool.common_prompts("m1", "m2") == [2]
    assert pool.distinct_pairs("m1", "m2", 2) == [(3, 5)]
    rng = np.random.default_rng(0)
    for _ in range(50):
        draw = draw_battle(pool, {}, {}, rng)
        assert draw is not None and {draw.sample_a, draw.sample_b} == {3, 5}


def test_identical_answers_are_never_served(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "a.db")) as store:
        arena = Arena(store, _FAST, np.random.default_rng(1))
        arena.briefing.publish(20.0, "USD", "the test team")
        arena.import_samples([SampleIn("m1", "p", SAME), SampleIn("m2", "p", SAME)])
        rater = _rater(arena, "r1")
        with pytest.raises(NoBattleAvailable):
            arena.next_battle(rater)
        arena.import_samples([SampleIn("m2", "p", "def f(x):\n    return x + 0\n"),
                              SampleIn("m3", "p", SAME)])
        for number in range(40):  # a rater is never shown an answer twice: many raters
            rater = _rater(arena, f"many-{number}")
            battle = arena.battle(rater, arena.next_battle(rater))
            assert battle.answer_a != battle.answer_b
            arena.vote(rater, battle.id, "model_a")
