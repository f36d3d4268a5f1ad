"""Ratings and the leaderboard read from the store as grouped rows (quality control's
verdicts stored, the votes that count grouped in SQL) equal those computed from the
votes one by one: on a mix of gold, fast, informed and overlapping votes, flagged raters
and overruled votes, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from pg import fresh_database

from fairclimb.arena import (
    Arena,
    ArenaOptions,
    CiMethod,
    RatingOptions,
    Role,
    SignedIn,
    compute_ratings,
    rater_quality,
    ratings_from_store,
)
from fairclimb.arena._board import PAGE_RATING_OPTIONS, build_leaderboard
from fairclimb.data import Exclusion
from fairclimb.store import ArenaQuality, NewBattle, NewVote, SampleIn, Store

T0 = datetime(2026, 3, 1, tzinfo=UTC)
MODELS = ("m0", "m1", "m2", "m3", "m4")
OPTIONS = ArenaOptions(min_votes_for_flags=10, fast_vote_seconds=5.0, gold_rate=0.0,
                       votes_per_minute=10_000, battles_per_minute=10_000)
FILTERS = [(None, None), ("rust", None), (None, "explain"), ("python", "implement")]


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        with fresh_database() as url, Store.open(url) as opened:
            yield opened
        return
    with Store.open(str(tmp_path / "arena.db")) as opened:
        yield opened


class Voting:
    """Battles and votes stored through the store's own vote path, at chosen times."""

    def __init__(self, arena: Arena, seed: int = 0, prompts: int = 12) -> None:
        self.arena, self.rng = arena, np.random.default_rng(seed)
        data = arena.data
        data.add_samples([SampleIn(m, f"prompt {p}", f"{m} answers {p}",
                                   language=("python", "rust")[p % 2],
                                   kind=("implement", "explain")[p % 3 == 0])
                          for p in range(prompts) for m in MODELS], T0)
        self.pool = data.sample_pool()  # (sample id, prompt id, model, passed)
        self.clock: dict[int, datetime] = {}
        self.prompts: dict[int, int] = {}  # per rater, the next prompt to draw from

    def fresh(self, rater: int) -> tuple[int, int]:
        """Two models' answers to a prompt the rater has not seen: a realistic draw
        (the mix above also pairs any two answers, a model with itself included)."""
        prompt = self.prompts.get(rater, 0)
        self.prompts[rater] = prompt + 1
        i, j = self.rng.choice(len(MODELS), 2, replace=False)
        return prompt * len(MODELS) + int(i), prompt * len(MODELS) + int(j)

    def rater(self, name: str) -> int:
        account = self.arena.data.create_account(name, f"{name}-p", "rater", "h", T0)
        self.clock[account.id] = T0
        return account.id

    def vote(self, rater: int, winner: str | None = None, *, pair: tuple[int, int] | None
             = None, gold: str | None = None, seconds: float = 30.0,
             overlap: bool = False) -> int:
        """One battle and its vote; the winner favours the lower-numbered model unless
        given; *overlap*: served before the rater's previous vote."""
        i, j = pair if pair is not None else self.rng.choice(len(self.pool), 2, replace=False)
        a, b = self.pool[int(i)], self.pool[int(j)]
        if winner is None:
            edge = 0.5 + 0.08 * (int(b[2][1]) - int(a[2][1]))
            draw = self.rng.random()
            winner = "tie" if draw > 0.9 else ("model_a" if draw < 0.9 * edge else "model_b")
        served = self.clock[rater] - timedelta(seconds=20 if overlap else -60)
        now = served + timedelta(seconds=seconds)
        self.clock[rater] = max(self.clock[rater], now)
        data = self.arena.data
        battle = data.add_battle(NewBattle(
            rater, a[1], a[0], b[0], a[2], b[2],
            float(self.rng.choice([0.05, 0.1, 0.25])), gold, served))
        data.add_vote(NewVote(battle, rater, winner), now, _timing(now))
        return battle


def _timing(now: datetime):  # type: ignore[no-untyped-def]
    def timing(served: datetime) -> tuple[float, str | None]:
        seconds = (now - served).total_seconds()
        return seconds, (f"fast vote ({seconds:.1f} s < 5 s)" if seconds < 5 else None)
    return timing


def _admin(arena: Arena) -> SignedIn:
    arena.briefing.publish(20.0, "USD", "the test team")
    account = arena.accounts.create("boss", "admin-password-1", Role.ADMIN)
    arena.briefing.accept(account, 1)
    again = arena.data.account(username="boss")
    assert again is not None
    return arena.accounts.session(arena.accounts.start_session(again)[0])


def _mixed(store: Store) -> tuple[Arena, Voting, dict[str, int]]:
    """Fair raters, a left-clicker (position bias, follows m0's side), a hasty one
    (fast votes), one who fails gold checks, one with overlapping tasks, one who sees
    answers twice (informed) and favours m4 then; three excluded votes overruled."""
    arena = Arena(store, OPTIONS, np.random.default_rng(1))
    voting = Voting(arena)
    raters = {name: voting.rater(name) for name in
              ("fair1", "fair2", "fair3", "left", "hasty", "goldless", "overlap", "informed")}
    for _ in range(40):
        for name in ("fair1", "fair2", "fair3"):
            voting.vote(raters[name])
    battles = {}
    for n in range(30):
        battles.setdefault("left", voting.vote(raters["left"], "model_a"))
        voting.vote(raters["hasty"], seconds=2.0 if n % 3 == 0 else 30.0)
    for n in range(12):
        gold = ("model_a", "model_b")[n % 2]
        wrong = "model_b" if gold == "model_a" else "model_a"
        battles.setdefault("gold", voting.vote(raters["goldless"], wrong if n % 4 else gold,
                                               gold=gold))
        voting.vote(raters["fair1"], gold, gold=gold)
    for n in range(15):
        voting.vote(raters["overlap"], overlap=n in (5, 9))
    m4 = [k for k, row in enumerate(voting.pool) if row[2] == "m4"][:3]
    others = [k for k, row in enumerate(voting.pool) if row[2] == "m1"][:8]
    for n, other in enumerate(others):  # m4's answers again and again: informed votes
        voting.vote(raters["informed"], "model_a", pair=(m4[n % 3], other))
    battles["fast"] = voting.vote(raters["fair2"], "model_b", seconds=1.0)
    admin = _admin(arena)
    for name in ("left", "gold", "fast"):
        arena.overrule(admin, battles[name], f"checked {name} by hand")
    return arena, voting, raters


def _same_ratings(grouped: object, one_by_one: object) -> None:
    assert grouped == one_by_one  # every rating, bound, rank, count and note


def test_the_mix_has_every_kind_of_exclusion(store: Store) -> None:
    arena, _, raters = _mixed(store)
    quality = rater_quality(arena.data.votes(), OPTIONS)
    kinds = {f.kind.value for q in quality.values() for f in q.flags}
    assert {"position_bias", "low_gold_accuracy", "overlapping_tasks",
            "favours_when_informed"} <= kinds
    assert quality[raters["informed"]].informed
    reasons = {kind.value for kind, _ in arena.leaderboard().reasons}
    assert {"gold_check", "fast_vote", "informed", "position_bias"} <= reasons


@pytest.mark.parametrize(("language", "kind"), FILTERS)
def test_the_board_from_grouped_rows_equals_the_board_from_votes(
        store: Store, language: str | None, kind: str | None) -> None:
    arena, _, _ = _mixed(store)
    for options in (PAGE_RATING_OPTIONS,
                    RatingOptions(ci=CiMethod.SANDWICH, robustness=False)):
        grouped = arena.leaderboard(language, kind, options)
        one_by_one = build_leaderboard(arena.rated_records(), language, kind, options)
        assert grouped.ratings is not None
        _same_ratings(grouped, one_by_one)


def test_ratings_from_the_store_equal_ratings_from_votes(store: Store) -> None:
    """Unweighted: the same pair cells, so the same fit and, seed for seed, the same
    bootstrap (the Poisson draws are per cell). Weighted: the weights' sums differ in
    the last bits (summed per group, not vote by vote), so equal to 1e-9."""
    arena, _, _ = _mixed(store)
    for options in (RatingOptions(bootstrap=100, seed=4),
                    RatingOptions(bootstrap=100, seed=4, category="explain"),
                    RatingOptions(ci=CiMethod.SANDWICH, language="rust", min_votes=5)):
        _same_ratings(ratings_from_store(arena, options),
                      compute_ratings(arena.rating_battles(), options))
    weighted = RatingOptions(bootstrap=100, seed=4, weighted=True)
    grouped = ratings_from_store(arena, weighted)
    one_by_one = compute_ratings(arena.rating_battles(), weighted)
    assert grouped.n_battles == one_by_one.n_battles and grouped.warnings == one_by_one.warnings
    for g, o in zip(grouped.models, one_by_one.models, strict=True):
        assert g.model == o.model and g.rank == o.rank
        assert (g.rating, g.lower, g.upper) == pytest.approx((o.rating, o.lower, o.upper),
                                                             abs=1e-9)


def test_stored_verdicts_agree_with_the_export(store: Store) -> None:
    """Exports still list every vote with its exclusions (read vote by vote); what the
    store keeps for the board says the same of every vote and rater."""
    arena, _, _ = _mixed(store)
    exported = arena.export_votes()  # before the pass: every vote read one by one
    arena.leaderboard()
    quality = rater_quality(arena.data.votes(), OPTIONS)
    store_flags = ArenaQuality(store).rater_flags()
    assert store_flags == {r: tuple((f.kind.value, f.detail) for f in q.flags)
                           for r, q in quality.items() if q.flags}
    assert arena.export_votes() == exported
    informed = {b for q in quality.values() for b in q.informed}
    stored = _stored_informed(store)
    assert stored == informed and informed


def _stored_informed(store: Store) -> set[int]:
    from sqlalchemy import text

    with store.transaction("reading") as session:
        rows = session.execute(text("SELECT battle_id, informed FROM arena_votes"))
        values = {int(b): i for b, i in rows}
    assert None not in values.values()  # every vote checked
    return {b for b, i in values.items() if i}


def test_a_second_pass_writes_nothing(store: Store) -> None:
    arena, voting, raters = _mixed(store)
    arena.leaderboard()
    quality = ArenaQuality(store)
    assert quality.unchecked_raters() == []
    flags = quality.rater_flags()
    assert quality.set_rater_flags(flags) == 0
    voting.vote(raters["fair3"])
    assert quality.unchecked_raters() == [raters["fair3"]]


def test_a_rater_flagged_later_loses_their_earlier_votes_too(store: Store) -> None:
    arena = Arena(store, OPTIONS, np.random.default_rng(2))
    voting = Voting(arena, seed=3, prompts=60)
    fair = [voting.rater(f"fair{n}") for n in range(3)]
    late = voting.rater("late")
    for _ in range(20):
        for rater in fair:
            voting.vote(rater, pair=voting.fresh(rater))
    for _ in range(6):
        voting.vote(late, pair=voting.fresh(late))
    before = arena.leaderboard()
    assert before.excluded == 0 and before.counted == 66
    for _ in range(40):
        voting.vote(late, "model_a", pair=voting.fresh(late))  # a left-clicker now:
    # all 46 of their votes go, the 6 counted before too
    after = arena.leaderboard()
    assert (after.counted, after.excluded) == (60, 46)
    assert dict(after.reasons)[Exclusion.POSITION_BIAS] == 46
    assert after == build_leaderboard(arena.rated_records())


def test_an_overrule_counts_an_excluded_vote_again(store: Store) -> None:
    arena = Arena(store, OPTIONS, np.random.default_rng(2))
    voting = Voting(arena, seed=5)
    raters = [voting.rater(f"r{n}") for n in range(2)]
    for _ in range(10):
        voting.vote(raters[0], pair=voting.fresh(raters[0]))
    fast = voting.vote(raters[1], "model_a", pair=voting.fresh(raters[1]), seconds=1.0)
    before = arena.leaderboard(options=RatingOptions(ci=CiMethod.SANDWICH))
    assert (before.counted, before.excluded) == (10, 1)
    arena.overrule(_admin(arena), fast, "read it myself: a sound vote")
    after = arena.leaderboard(options=RatingOptions(ci=CiMethod.SANDWICH))
    assert (after.counted, after.excluded, after.reasons) == (11, 0, ())
    assert after == build_leaderboard(arena.rated_records(),
                                      options=RatingOptions(ci=CiMethod.SANDWICH))


def test_rating_an_empty_or_filtered_out_store_says_so(store: Store) -> None:
    from fairclimb.errors import UserInputError

    arena = Arena(store, OPTIONS)
    with pytest.raises(UserInputError, match="no votes yet"):
        ratings_from_store(arena, RatingOptions())
    voting = Voting(arena)
    voting.vote(voting.rater("solo"))
    with pytest.raises(UserInputError, match="no battles left"):
        ratings_from_store(arena, dataclasses.replace(RatingOptions(), language="cobol"))


def test_rater_flags_are_rewritten_only_where_they_changed(store: Store) -> None:
    arena = Arena(store, OPTIONS)
    voting = Voting(arena)
    one, two = voting.rater("one"), voting.rater("two")
    quality = ArenaQuality(store)
    bias, gold = ("position_bias", "left in 99%"), ("low_gold_accuracy", "40% on 5")
    assert quality.set_rater_flags({one: (bias, gold), two: (gold,)}) == 2
    assert quality.set_rater_flags({one: (bias, gold), two: (gold,)}) == 0
    assert quality.set_rater_flags({one: (gold,), two: (gold, bias)}) == 2
    assert quality.rater_flags() == {one: (gold,), two: (gold, bias)}
    assert quality.set_rater_flags({two: (gold, bias)}) == 1
    assert quality.rater_flags() == {two: (gold, bias)}


def test_passes_running_at_once_agree(store: Store) -> None:
    """Several workers may compute the board at the same moment: their passes write the
    same verdicts and flags without tripping over each other."""
    from concurrent.futures import ThreadPoolExecutor

    from fairclimb.arena._stored_board import check_quality

    arena, _, _ = _mixed(store)
    quality = ArenaQuality(store)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: check_quality(quality, OPTIONS), range(4)))
    assert all(r == results[0] for r in results) and results[0]
    assert quality.rater_flags() == results[0]
    assert arena.leaderboard() == build_leaderboard(arena.rated_records())
