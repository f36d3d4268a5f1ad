"""The Ladder's release rule and the naive board's, on per-task scores."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairclimb.ladder import Best, BoardMode, release

N = 100


def answers(right: set[int]) -> list[float]:
    return [1.0 if i in right else 0.0 for i in range(N)]


BASE = set(range(50))


def first(mode: BoardMode = BoardMode.LADDER) -> Best:
    answer = release(mode, answers(BASE), None)
    return Best(answers(BASE), answer.released)


def test_first_submission_is_released_rounded_to_its_standard_error() -> None:
    answer = release(BoardMode.LADDER, answers(BASE), None)
    assert answer.improved
    assert answer.score == 0.5
    assert answer.step == pytest.approx(math.sqrt(0.25 * N / (N - 1)) / math.sqrt(N))
    assert answer.released == pytest.approx(round(0.5 / answer.step) * answer.step)


def test_a_gain_below_the_step_is_refused_and_the_best_repeated() -> None:
    # +3 tasks, -2 tasks: a net gain of one task, within the noise of the difference.
    changed = (BASE | {60, 61, 62}) - {0, 1}
    best = first()
    answer = release(BoardMode.LADDER, answers(changed), best)
    assert answer.score == pytest.approx(0.51)
    assert answer.score - 0.5 < answer.step
    assert not answer.improved
    assert answer.released == best.released


def test_a_real_gain_is_released() -> None:
    best = first()
    answer = release(BoardMode.LADDER, answers(BASE | set(range(50, 60))), best)
    assert answer.improved
    assert answer.score == pytest.approx(0.6)
    assert answer.released > best.released
    assert abs(answer.released - 0.6) <= answer.step / 2 + 1e-12


def test_the_same_answers_again_release_nothing_new() -> None:
    best = first()
    answer = release(BoardMode.LADDER, answers(BASE), best)
    assert not answer.improved
    assert answer.released == best.released


def test_naive_board_releases_every_exact_score() -> None:
    best = first(BoardMode.NAIVE)
    lower = release(BoardMode.NAIVE, answers(set(range(40))), best)
    assert (lower.released, lower.improved) == (0.4, False)
    noise = release(BoardMode.NAIVE, answers((BASE | {60, 61, 62}) - {0, 1}), best)
    assert noise.released == pytest.approx(0.51)
    assert noise.improved


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=30, max_size=30), min_size=1, max_size=12))
def test_ladder_releases_only_rise_and_stay_in_range(rounds: list[list[bool]]) -> None:
    best: Best | None = None
    shown: list[float] = []
    for right in rounds:
        scores = [float(r) for r in right]
        answer = release(BoardMode.LADDER, scores, best)
        assert 0.0 <= answer.released <= 1.0
        if answer.improved:
            best = Best(scores, answer.released)
        shown.append(answer.released)
    assert shown == sorted(shown)
