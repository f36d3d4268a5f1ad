"""The typed vote path: what is counted is decided by :class:`Exclusion` kinds, never by
the wording of a detail (CONVENTIONS.md 15: a reworded message once changed what the
leaderboard counted), and the fast-vote rule is the arena's."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fairclimb.arena import (
    Arena,
    ArenaOptions,
    Battle,
    CiMethod,
    RatingOptions,
    Role,
    Visibility,
    arena_feedback_votes,
    battle_records,
    rater_quality,
    read_battles,
)
from fairclimb.arena._board import build_leaderboard
from fairclimb.arena._quality import vote_timing
from fairclimb.arena._stored_board import StoredVotes
from fairclimb.data import Excluded, Exclusion, Vote, Winner, records_from_votes
from fairclimb.store import SampleIn, Store, VoteRow

FAST = RatingOptions(ci=CiMethod.SANDWICH, robustness=False)
_CLOCK = itertools.count()
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _row(rater: int, winner: str, a: str = "m0", b: str = "m1", *, gold: str | None = None,
         flag: str | None = None) -> VoteRow:
    tick = next(_CLOCK)
    return VoteRow(battle_id=tick, rater_id=rater, judge=f"rater-{rater}", model_a=a,
                   model_b=b, winner=winner, probability=0.5, gold_winner=gold, seconds=30.0,
                   flag=flag, language="python", kind="implement", labels_a=[], labels_b=[],
                   comment="", correction="", created_at=T0 + timedelta(minutes=tick))


def _votes() -> list[VoteRow]:
    """A left-clicking rater (position bias, and so following m0), a fair one, gold
    checks and fast votes."""
    rows = [_row(1, "model_a") for _ in range(30)]
    rows += [_row(2, "model_a" if i % 3 else "model_b", *(("m0", "m1") if i % 2 else
                                                           ("m1", "m0"))) for i in range(40)]
    rows += [_row(3, "model_b", gold="model_b") for _ in range(3)]
    rows += [_row(3, "tie", flag="fast vote (0.4 s < 5 s)") for _ in range(4)]
    return rows


def _reworded(battle: Battle) -> Battle:
    return replace(battle, exclusions=tuple(
        replace(e, detail=f"entirely different words {n}")
        for n, e in enumerate(battle.exclusions)))


def _as_vote(battle: Battle, n: int) -> Vote:
    return Vote(prompt=f"p{n}", answer_a=f"a{n}", answer_b=f"b{n}", model_a=battle.model_a,
                model_b=battle.model_b, winner=battle.winner, rater=battle.judge or "",
                exclusions=battle.exclusions, vote_id=f"v{n}")


def test_rewording_every_detail_changes_nothing_counted() -> None:
    votes = _votes()
    records = battle_records(votes, rater_quality(votes, ArenaOptions(min_votes_for_flags=20)))
    reworded = [_reworded(r) for r in records]
    assert [r.reason for r in records] != [r.reason for r in reworded]
    board, again = build_leaderboard(records, options=FAST), build_leaderboard(reworded,
                                                                               options=FAST)
    assert (board.counted, board.excluded) == (again.counted, again.excluded) == (40, 37)
    assert board.reasons == again.reasons
    assert dict(board.reasons) == {Exclusion.POSITION_BIAS: 30, Exclusion.FOLLOWS_MODEL: 30,
                                   Exclusion.GOLD_CHECK: 3, Exclusion.FAST_VOTE: 4}
    assert board.ratings is not None and again.ratings is not None
    assert board.ratings.models == again.ratings.models
    data = records_from_votes([_as_vote(r, n) for n, r in enumerate(records)])
    data_again = records_from_votes([_as_vote(r, n) for n, r in enumerate(reworded)])
    assert (data.flagged, data.ties_left_out) == (data_again.flagged, data_again.ties_left_out)
    assert [c.record.record_id for c in data.candidates] == [
        c.record.record_id for c in data_again.candidates]


def test_summary_counts_kinds_not_particulars() -> None:
    """Two fast votes with different timings, two 'follows' flags on different models:
    one line per kind (the old summary split sentences and counted each model apart)."""
    battles = [Battle("a", "b", Winner.MODEL_A,
                      exclusions=(Excluded(Exclusion.FAST_VOTE, f"fast vote ({s} s < 5 s)"),))
               for s in (0.5, 1.5)]
    battles += [Battle("a", "b", Winner.MODEL_B, exclusions=(
        Excluded(Exclusion.FOLLOWS_MODEL, f"rater flagged: follows {m}: it won 100%"),))
        for m in ("a", "b")]
    battles += [Battle("a", "b", Winner.TIE)]
    board = build_leaderboard(battles, options=FAST)
    assert dict(board.reasons) == {Exclusion.FAST_VOTE: 2, Exclusion.FOLLOWS_MODEL: 2}


def test_the_fast_vote_rule_is_the_arenas() -> None:
    options = ArenaOptions(fast_vote_seconds=5.0, max_task_seconds=60.0)
    timing = vote_timing(T0, options)
    assert timing(T0 - timedelta(seconds=2)) == (2.0, "fast vote (2.0 s < 5 s)")
    assert timing(T0 - timedelta(seconds=30)) == (30.0, None)
    assert timing(T0 - timedelta(hours=2)) == (60.0, None)  # capped: a tab left open
    assert timing(T0 + timedelta(seconds=3))[0] == 0.0  # a clock skew is never negative


@pytest.fixture
def arena(tmp_path: Path) -> Iterator[Arena]:
    with Store.open(str(tmp_path / "a.db")) as store:
        arena = Arena(store, ArenaOptions(fast_vote_seconds=0.0), np.random.default_rng(3))
        arena.briefing.publish(30.0)
        arena.import_samples([SampleIn(m, f"def f{i}(x):\n", f"    return x + {i} # {m}\n",
                                       passed=m == "good")
                              for m in ("good", "bad") for i in range(4)])
        account = arena.accounts.create("rita", "rita-password", Role.RATER)
        arena.briefing.accept(account, 1)
        _, rater = arena.accounts.start_session(arena.data.account(username="rita"))  # type: ignore[arg-type]
        arena.set_gold_rate(0.5)
        for _ in range(4):
            arena.vote(rater, arena.next_battle(rater), Winner.MODEL_A)
        yield arena


def test_gold_votes_make_records_whatever_their_wording(
        arena: Arena, monkeypatch: pytest.MonkeyPatch) -> None:
    """Gold checks are real judgements: the data part gets them. The arena once told a
    gold check from a flagged vote by comparing its sentence: rewording it made every
    gold vote "flagged"."""
    import fairclimb.arena._quality as quality

    gold = [v for v in arena_feedback_votes(arena) if v.gold]
    assert gold and not any(v.excluded for v in gold)
    monkeypatch.setattr(quality, "_GOLD", Excluded(Exclusion.GOLD_CHECK, "a known answer"))
    assert [r.reason for r in arena.battle_records() if r.excluded] == ["a known answer"] * len(
        gold)
    assert [v for v in arena_feedback_votes(arena) if v.gold] == gold


def test_the_leaderboard_is_computed_once_per_state(
        arena: Arena, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cached by what it is computed from: votes, rankings and settings (a hidden model,
    an overrule); the options and the filter are part of the key."""
    calls: list[int] = []
    read = arena.stored_votes

    def counted(*args: Any, **kwargs: Any) -> StoredVotes:
        calls.append(1)
        return read(*args, **kwargs)

    monkeypatch.setattr(arena, "stored_votes", counted)
    first = arena.leaderboard()
    assert arena.leaderboard() is first and len(calls) == 1
    arena.leaderboard(options=FAST)
    arena.leaderboard(language="rust")
    assert len(calls) == 3
    Visibility(arena.data).hide_model("bad")
    hidden = arena.leaderboard()
    assert len(calls) == 4 and hidden.hidden == ("bad",)
    Visibility(arena.data).hide_model("bad", hidden=False)
    assert arena.leaderboard().hidden == () and len(calls) == 5


def test_an_overruled_vote_read_back_from_a_battle_file_still_counts(tmp_path: Path) -> None:
    """The export lists an overruled vote's exclusions with ``excluded: false``."""
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps({"model_a": "a", "model_b": "b", "winner": "model_a",
                                "excluded": False, "exclusions": ["fast_vote"]}) + "\n"
                    + json.dumps({"model_a": "a", "model_b": "b", "winner": "model_b",
                                  "excluded": True, "exclusions": ["fast_vote"]}) + "\n"
                    + json.dumps({"model_a": "a", "model_b": "b", "winner": "tie",
                                  "excluded": True}) + "\n")
    counted, fast, marked = read_battles(path)
    assert not counted.excluded and counted.exclusions[0].kind is Exclusion.FAST_VOTE
    assert fast.excluded and [e.kind for e in fast.exclusions] == [Exclusion.FAST_VOTE]
    assert marked.excluded and [e.kind for e in marked.exclusions] == [Exclusion.MARKED]
