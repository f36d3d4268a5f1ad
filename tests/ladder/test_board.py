"""Ladder boards end to end: real suite, real sandbox through the run engine, real store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from fairclimb.errors import UserInputError
from fairclimb.evaluate import EvalOptions
from fairclimb.ladder import BoardMode, create_board, show_board, submit_samples
from fairclimb.store import LadderRepository, Store
from fairclimb.suites import Split

Answers = Callable[[str, Iterable[int]], Path]
OPTIONS = EvalOptions(workers=2)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(str(tmp_path / "fairclimb.db")) as opened:
        yield opened


def stored(store: Store, board: str) -> tuple[int, int]:
    """(submissions, evaluation runs) in the store."""
    return (len(LadderRepository(store).submissions(board)),
            len(store.list_runs(include_boards=True)))


def test_ladder_refuses_a_gain_below_its_step_releases_a_real_one_and_a_daily_limit(
        store: Store, answers: Answers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    board = create_board(store, "private", "fairclimb-implement", max_per_day=3)
    assert (board.mode, board.split, len(board.task_ids)) == (BoardMode.LADDER,
                                                              Split.PRIVATE, 20)
    base = submit_samples(store, "private", "red", answers("a.jsonl", range(10)), OPTIONS)
    assert base.improved and base.submission == 1
    # One task more right, two others now wrong, one more right: a net gain of one task
    # out of 20, below the standard error of the paired difference.
    noise = submit_samples(store, "private", "red",
                           answers("b.jsonl", [*range(2, 10), 10, 11]), OPTIONS)
    assert (noise.improved, noise.released_score, noise.submissions) == (
        False, base.released_score, 2)
    real = submit_samples(store, "private", "red", answers("c.jsonl", range(20)), OPTIONS)
    assert real.improved
    assert real.released_score > base.released_score
    assert real.to_json().keys() == {"team", "submission", "released_score", "improved",
                                     "submissions"}
    # No file with per-sample verdicts is left behind for the team.
    assert list((tmp_path / "scratch").iterdir()) == []

    before = stored(store, "private")
    with pytest.raises(UserInputError, match="made its 3 submissions to private allowed today"):
        submit_samples(store, "private", "red", answers("d.jsonl", range(20)), OPTIONS)
    assert stored(store, "private") == before == (3, 3)
    other = LadderRepository(store).submissions("private", "red")
    assert [s.submission.improved for s in other] == [True, False, True]

    view = show_board(store, "private")
    assert [(s.team, s.submissions, s.released_score) for s in view.standings] == [
        ("red", 3, real.released_score)]


def test_naive_board_releases_every_exact_score(store: Store, answers: Answers) -> None:
    create_board(store, "naive", "fairclimb-implement", mode=BoardMode.NAIVE)
    first = submit_samples(store, "naive", "blue", answers("a.jsonl", range(10)), OPTIONS)
    second = submit_samples(store, "naive", "blue", answers("b.jsonl", range(9)), OPTIONS)
    assert (first.released_score, first.improved) == (0.5, True)
    assert (second.released_score, second.improved) == (0.45, False)


@pytest.mark.parametrize(("make", "error", "message"), [
    # the board's suite is fixed: the hint names it, not eval's --suite
    ("humaneval", UserInputError, "answers tasks of the suite humaneval; the board private "
                                  "scores fairclimb-implement only"),
    ("public", UserInputError, "which the board private does not score"),
], ids=["wrong-suite", "public-task"])
def test_answers_the_board_does_not_score_are_refused_before_anything_is_stored(
        store: Store, tmp_path: Path, make: str, error: type[Exception], message: str) -> None:
    create_board(store, "private", "fairclimb-implement")
    task = "HumanEval/0" if make == "humaneval" else "fairclimb-implement/a-allocate-cents"
    path = tmp_path / "x.jsonl"
    path.write_text(f'{{"task_id": "{task}", "solution": "x = 1"}}\n')
    with pytest.raises(error, match=message) as refused:
        submit_samples(store, "private", "red", path, OPTIONS)
    assert "--suite" not in str(refused.value)
    assert stored(store, "private") == (0, 0)


def test_unknown_board_and_bad_board_settings(store: Store, answers: Answers) -> None:
    with pytest.raises(UserInputError, match="no ladder board named 'nope'"):
        submit_samples(store, "nope", "red", answers("a.jsonl", range(3)), OPTIONS)
    with pytest.raises(UserInputError, match="has no private tasks"):
        create_board(store, "b", "humaneval")
    with pytest.raises(UserInputError, match="--max-per-day must be at least 1"):
        create_board(store, "b", "fairclimb-implement", max_per_day=0)
    create_board(store, "b", "fairclimb-implement")
    with pytest.raises(UserInputError, match="already exists"):
        create_board(store, "b", "fairclimb-implement")
    assert [b.name for b in LadderRepository(store).list_boards()] == ["b"]


def test_a_submission_run_is_left_out_of_run_listings(store: Store, answers: Answers) -> None:
    from fairclimb.evaluate import resolve_run

    create_board(store, "private", "fairclimb-implement")
    submit_samples(store, "private", "red", answers("a.jsonl", range(7)), OPTIONS)
    assert store.list_runs() == []
    (kept,) = store.list_runs(include_boards=True)  # the operator still has it
    assert kept.settings["board"] == "private"
    for ref in (kept.run_id, kept.run_id[:6]):
        with pytest.raises(UserInputError, match="no run has an id"):
            resolve_run(store, ref)
