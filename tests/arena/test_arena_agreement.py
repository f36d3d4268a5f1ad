"""Inter-rater agreement, against values computed by hand."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from fairclimb.arena import agreement, cohen_kappa, fleiss_kappa
from fairclimb.store import VoteRow


def _vote(judge: str, sample_a: int, sample_b: int, winner: str) -> VoteRow:
    return VoteRow(battle_id=0, rater_id=0, judge=judge, model_a="m", model_b="n",
                   winner=winner, probability=1.0, gold_winner=None, seconds=30.0, flag=None,
                   language="python", kind="implement", labels_a=[], labels_b=[], comment="",
                   correction="", created_at=datetime.now(UTC), sample_a=sample_a,
                   sample_b=sample_b)


def test_cohen_kappa_by_hand() -> None:
    # po = 4/6; chance = (4*2 + 2*4) / 36 = 4/9; kappa = (2/3 - 4/9) / (5/9) = 0.4
    assert cohen_kappa(list("aabbaa"), list("abbbab")) == pytest.approx(0.4)
    assert cohen_kappa(list("ab"), list("ab")) == pytest.approx(1.0)
    assert cohen_kappa(list("aa"), list("aa")) is None  # chance agreement 1: undefined
    assert cohen_kappa([], []) is None


def test_fleiss_kappa_by_hand() -> None:
    # P_i = 1, 1/3, 1 -> mean 7/9; p = (5/9, 4/9) -> chance 41/81; kappa = 22/40
    counts = [Counter(x=3), Counter(x=2, y=1), Counter(y=3), Counter(x=1)]
    assert fleiss_kappa(counts) == pytest.approx(0.55)
    assert fleiss_kappa([Counter(x=1)]) is None


def test_agreement_over_battles_with_mirrored_sides() -> None:
    """Three raters on three pairs (samples 1/2, 3/4, 5/6); r3 saw every pair mirrored,
    so 'model_b' from r3 is the same statement as 'model_a' from r1."""
    votes = [
        _vote("r1", 1, 2, "model_a"), _vote("r2", 1, 2, "model_a"), _vote("r3", 2, 1, "model_b"),
        _vote("r1", 3, 4, "model_a"), _vote("r2", 3, 4, "model_a"), _vote("r3", 4, 3, "model_a"),
        _vote("r1", 5, 6, "model_b"), _vote("r2", 5, 6, "model_b"), _vote("r3", 6, 5, "model_a"),
        _vote("r1", 7, 8, "tie"),  # judged once: not shared, not counted
    ]
    found = agreement(votes)
    assert (found.battles, found.ratings) == (3, 9)
    assert found.fleiss == pytest.approx(0.55)  # the same counts as the hand example
    kappas = {(p.rater_a, p.rater_b): p.kappa for p in found.pairs}
    assert kappas[("r1", "r2")] == pytest.approx(1.0)
    # r1 (x, x, y) against r3 (x, y, y): po 2/3, chance 4/9 -> 0.4
    assert kappas[("r1", "r3")] == pytest.approx(0.4)
    majority = {p.rater_a: p for p in found.against_majority}
    assert majority["r3"].battles == 3 and majority["r3"].kappa == pytest.approx(0.4)
    assert majority["r1"].kappa == pytest.approx(1.0)  # others r2, r3 split on pair 2
    assert majority["r1"].battles == 2
