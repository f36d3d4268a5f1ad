"""More than pairs: rank N answers and score each explanation 1-5; rankings become
pairwise outcomes for the ratings and preferences for data (through the record gate)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pg import fresh_database

from fairclimb.arena import (
    AlreadyVoted,
    Arena,
    ArenaOptions,
    NoBattleAvailable,
    Role,
    arena_feedback_votes,
    import_arena_feedback,
    ranking_pairs,
)
from fairclimb.errors import UserInputError
from fairclimb.store import DataRepository, SampleIn, Store

_MODELS = ("m-one", "m-two", "m-three", "m-four")
_OPTIONS = ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                        fast_vote_seconds=0.0, gold_rate=0.0)


@pytest.mark.parametrize(("ranks", "expected"), [
    ((1, 2, 3), [(0, 1, "model_a"), (0, 2, "model_a"), (1, 2, "model_a")]),
    ((3, 1, 2), [(0, 1, "model_b"), (0, 2, "model_b"), (1, 2, "model_a")]),
    ((1, 1, 2), [(0, 1, "tie"), (0, 2, "model_a"), (1, 2, "model_a")]),
])
def test_a_ranking_is_every_pair_with_the_better_placed_winning(
        ranks: tuple[int, ...], expected: list[tuple[int, int, str]]) -> None:
    assert ranking_pairs(ranks) == expected


@given(st.lists(st.integers(1, 5), min_size=2, max_size=5))
def test_pairs_agree_with_the_places(ranks: list[int]) -> None:
    pairs = ranking_pairs(ranks)
    assert len(pairs) == len(ranks) * (len(ranks) - 1) // 2
    for i, j, winner in pairs:
        assert winner == ("tie" if ranks[i] == ranks[j] else
                          "model_a" if ranks[i] < ranks[j] else "model_b")


@pytest.fixture(params=["sqlite", "postgresql"])
def arena(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Arena]:
    if request.param == "sqlite":
        yield _filled(Store.open(str(tmp_path / "rank.db")))
    else:
        with fresh_database() as url, Store.open(url) as store:
            yield _filled(store)


def _filled(store: Store) -> Arena:
    arena = Arena(store, _OPTIONS, np.random.default_rng(0))
    arena.briefing.publish(20.0, "USD", "the test team")
    arena.import_samples([
        SampleIn(model, f"def f{p}(x):\n    \"\"\"x + {p}\"\"\"\n",
                 f"    return x + {p}  # {model}\n")
        for p, model in itertools.product(range(2), _MODELS)])
    return arena


def _rater(arena: Arena, name: str) -> int:
    account = arena.accounts.create(name, "rater-password-1", Role.RATER)
    arena.briefing.accept(account, 1)
    return account.id


def test_rankings_count_as_pairs_in_ratings_and_as_preferences_in_data(arena: Arena) -> None:
    rater = _rater(arena, "ann")
    ranking_id = arena.rankings.next(rater, answers=4)
    assert arena.rankings.next(rater, answers=4) == ranking_id  # the open task first
    task = arena.rankings.get(rater, False, ranking_id)
    assert len(set(task.models)) == 4 and task.ranks is None

    with pytest.raises(UserInputError):
        arena.rankings.submit(rater, ranking_id, [1, 2, 3], [3, 3, 3, 3])  # one missing
    with pytest.raises(UserInputError):
        arena.rankings.submit(rater, ranking_id, [1, 2, 3, 4], [0, 3, 3, 6])
    assert arena.rankings.get(rater, False, ranking_id).ranks is None  # nothing stored

    done = arena.rankings.submit(rater, ranking_id, [2, 1, 4, 3], [4, 5, 1, 2])
    assert done.ranks == (2, 1, 4, 3) and done.explanation == (4, 5, 1, 2)
    with pytest.raises(AlreadyVoted):
        arena.rankings.submit(rater, ranking_id, [1, 2, 3, 4], [1, 1, 1, 1])

    records = arena.rated_records()
    assert len(records) == 6 and all(r.weight == pytest.approx(1 / 3) for r in records)
    best = task.models[1]
    assert all(r.winner == ("model_a" if r.model_a == best else "model_b")
               for r in records if best in (r.model_a, r.model_b))
    assert arena.leaderboard().counted == 6
    scores = arena.rankings.explanation_scores()
    assert scores[task.models[1]] == (5.0, 1) and scores[task.models[2]] == (1.0, 1)

    votes = [v for v in arena_feedback_votes(arena) if v.vote_id.startswith("arena-rank:")]
    assert len(votes) == 6 and len({v.vote_id for v in votes}) == 6
    assert {(v.model_a, v.model_b) for v in votes} == {
        (task.models[i], task.models[j]) for i, j in itertools.combinations(range(4), 2)}


def test_a_ranking_becomes_preference_records_through_the_gate(arena: Arena) -> None:
    rater = _rater(arena, "ann")
    pool = arena.data.sample_pool()
    samples = [row[0] for row in pool if row[1] == pool[0][1]]
    # served a minute ago: a ranking done in no time would be flagged and left out
    ranking_id = arena.rankings.rankings.add(rater, pool[0][1], samples,
                                             datetime.now(UTC) - timedelta(seconds=60))
    arena.rankings.submit(rater, ranking_id, [1, 2, 3, 4], [5, 4, 3, 2])
    counts = import_arena_feedback(arena.data.store, "ranked")
    assert (counts["votes"], counts["flagged_left_out"], counts["added"]) == (6, 0, 6)
    assert import_arena_feedback(arena.data.store, "ranked")["added"] == 0  # never twice
    members = DataRepository(arena.data.store).members("ranked")
    assert {m.record.kind for m in members} == {"preference"}
    assert all(m.record.provenance["human"]["vote_id"].startswith("arena-rank:")
               for m in members)


def test_a_ranking_done_in_no_time_is_flagged_and_left_out(arena: Arena) -> None:
    rater = _rater(arena, "ann")
    ranking_id = arena.rankings.next(rater, answers=3)
    arena.rankings.submit(rater, ranking_id, [1, 2, 3], [5, 4, 3])
    strict = Arena(arena.data.store)  # the default fast-vote threshold
    assert all(r.excluded and r.reason.startswith("fast ranking")
               for r in strict.rankings.records())
    assert strict.rankings.explanation_scores() == {}  # not read, so not scored
    counts = import_arena_feedback(arena.data.store, "ranked")
    assert (counts["flagged_left_out"], counts["added"]) == (3, 0)


def test_ranking_tasks_never_repeat_answers_and_refuse_other_raters(arena: Arena) -> None:
    ann, bob = _rater(arena, "ann"), _rater(arena, "bob")
    seen: set[int] = set()
    for _ in range(2):  # 8 answers: two rankings of four, then none left
        ranking_id = arena.rankings.next(ann, answers=4)
        task = arena.rankings.get(ann, False, ranking_id)
        assert not seen & set(task.sample_ids)
        seen |= set(task.sample_ids)
        with pytest.raises(Exception, match="not yours"):
            arena.rankings.submit(bob, ranking_id, [1, 2, 3, 4], [3, 3, 3, 3])
        arena.rankings.submit(ann, ranking_id, [1, 2, 3, 4], [3, 3, 3, 3])
    with pytest.raises(NoBattleAvailable):
        arena.rankings.next(ann, answers=4)
    with pytest.raises(UserInputError):
        arena.rankings.next(bob, answers=9)
