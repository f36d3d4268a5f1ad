"""The admin's review: overruling an exclusion (recorded, with who and why) and asking
several raters to judge the same battle, with their agreement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fairclimb.arena import Arena, ArenaDenied, ArenaOptions, Role, SignedIn
from fairclimb.errors import UserInputError
from fairclimb.store import SampleIn, Store

_FAST = ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                     fast_vote_seconds=0.0, gold_rate=0.0)
_HASTY = ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                      fast_vote_seconds=600.0, gold_rate=0.0)


def _signed(arena: Arena, name: str, role: Role = Role.RATER) -> SignedIn:
    account = arena.accounts.create(name, "rater-password-1", role)
    arena.briefing.accept(account, 1)
    refreshed = arena.data.account(username=name)
    assert refreshed is not None
    return arena.accounts.session(arena.accounts.start_session(refreshed)[0])


def _arena(store: Store, options: ArenaOptions = _FAST) -> Arena:
    arena = Arena(store, options, np.random.default_rng(5))
    arena.briefing.publish(20.0, "USD", "the test team")
    arena.import_samples([SampleIn(m, f"prompt {p}", f"{m} answers {p}")
                          for p in range(6) for m in ("m1", "m2")])
    return arena


def test_an_admin_overrules_an_exclusion_with_a_reason(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "r.db")) as store:
        arena = _arena(store, _HASTY)  # every vote here is "too fast"
        rater, admin = _signed(arena, "ann"), _signed(arena, "root", Role.ADMIN)
        battle = arena.next_battle(rater)
        arena.vote(rater, battle, "model_a", labels_b=["off-by-one"], comment="B is off",
                   correction="fixed()")
        assert arena.export_votes() == []
        with pytest.raises(UserInputError, match="say why"):
            arena.overrule(admin, battle, "  ")
        with pytest.raises(ArenaDenied):
            arena.overrule(rater, battle, "I say so")
        made = arena.overrule(admin, battle, "read the answers with the rater: it was clear")
        assert made.by == "root" and "fast" in made.excluded_for
        [row] = arena.review()
        assert row.overrule == made and not row.record.excluded
        assert "overruled by root" in row.record.reason
        assert (row.vote.labels_b, row.vote.comment, row.vote.correction) == (
            ["off-by-one"], "B is off", "fixed()")
        assert len(arena.export_votes()) == 1
        assert len([b for b in arena.rating_battles() if not b.excluded]) == 1
        with pytest.raises(UserInputError, match="already counts"):
            arena.overrule(admin, battle, "again")


def test_several_raters_on_one_battle_when_the_admin_asks(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "r.db")) as store:
        arena = _arena(store)
        first, admin = _signed(arena, "r1"), _signed(arena, "root", Role.ADMIN)
        battle = arena.next_battle(first)
        arena.vote(first, battle, "model_a")
        arena.reviews.ask_raters(admin, battle, 3)
        with pytest.raises(UserInputError):
            arena.reviews.ask_raters(admin, battle, 50)
        original = arena.battle(admin, battle)
        pairs = []
        for name in ("r2", "r3", "r4"):
            rater = _signed(arena, name)
            copy = arena.battle(rater, arena.next_battle(rater))
            pairs.append((copy.model_a, copy.model_b, copy.answer_a, copy.answer_b,
                          copy.prompt.id))
            # r2 saw it mirrored and agrees; r3 disagrees
            winner = {"r2": "model_b", "r3": "model_b", "r4": "model_a"}[name]
            arena.vote(rater, copy.id, winner)
        assert pairs[0][:4] == (original.model_b, original.model_a, original.answer_b,
                                original.answer_a)
        assert pairs[1][:4] == (original.model_a, original.model_b, original.answer_a,
                                original.answer_b)
        assert {pairs[2][2], pairs[2][3]} != {original.answer_a, original.answer_b}
        found = arena.rater_agreement()
        assert (found.battles, found.ratings) == (1, 3)
        [row] = [r for r in arena.review() if r.vote.battle_id == battle]
        assert row.raters_wanted == 3


def test_pay_csv_quotes_what_a_spreadsheet_would_run() -> None:
    from datetime import UTC, datetime

    from fairclimb.arena import PayRow, pay_csv

    rows = [PayRow("=HYPERLINK(1)", "rater-1", "rater", 1, 2, 90.0, (("EUR", 0.75),)),
            PayRow("ann", "rater-2", "rater", 1, 0, 0.0, ())]
    text = pay_csv(rows, datetime(2026, 12, 1, tzinfo=UTC), None)
    lines = text.splitlines()
    assert lines[0].startswith("period_start,period_end,username")
    assert lines[1] == "2026-12-01T00:00:00+00:00,,'=HYPERLINK(1),rater-1,rater,2,1.50,EUR,0.75"
    assert lines[2].endswith("ann,rater-2,rater,0,0.00,,0.00")
