"""Ladder boards in the store, on SQLite (file, memory) and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

import pytest

from fairclimb.errors import UserInputError
from fairclimb.store import (
    LadderBoardRecord,
    LadderRepository,
    LadderSubmissionRecord,
    NewLadderSubmission,
    NewRun,
    Store,
)

BOARD = LadderBoardRecord(name="b", suite="fairclimb-implement", split="private",
                          mode="ladder", max_per_day=2, task_ids=["t/1", "t/2"])


def new(run_id: str, score: float) -> NewLadderSubmission:
    return NewLadderSubmission("samples", "/a.jsonl", "a" * 64, run_id, score,
                               {"t/1": score, "t/2": score}, 0.1, score, True)


def test_boards_and_submissions_round_trip(store: Store, make_run: Callable[..., NewRun]
                                           ) -> None:
    ladder = LadderRepository(store)
    created = ladder.create_board(BOARD)
    assert created.task_ids == ["t/1", "t/2"] and created.created_at is not None
    with pytest.raises(UserInputError, match="already exists"):
        ladder.create_board(BOARD)
    run_id = store.create_run(make_run())
    seen: list[int] = []

    def decide(score: float) -> Callable[[list[LadderSubmissionRecord], datetime],
                                         NewLadderSubmission]:
        def inner(earlier: list[LadderSubmissionRecord], now: datetime) -> NewLadderSubmission:
            seen.append(len(earlier))
            assert now.tzinfo is not None
            return new(run_id, score)
        return inner

    first = ladder.add_submission("b", "red", decide(0.5))
    second = ladder.add_submission("b", "red", decide(1.0))
    other = ladder.add_submission("b", "blue", decide(0.0))
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert seen == [0, 1, 0]
    back = ladder.submissions("b", "red")
    assert [r.submission for r in back] == [new(run_id, 0.5), new(run_id, 1.0)]
    assert [r.team for r in ladder.submissions("b")] == ["red", "red", "blue"]
    assert ladder.get_board("b") == created
    assert ladder.get_board("nope") is None


def test_a_refusing_decision_stores_nothing(store: Store, make_run: Callable[..., NewRun]
                                            ) -> None:
    ladder = LadderRepository(store)
    ladder.create_board(BOARD)
    store.create_run(make_run())

    def refuse(earlier: list[LadderSubmissionRecord], now: datetime) -> NewLadderSubmission:
        raise UserInputError("over the limit")

    with pytest.raises(UserInputError, match="over the limit"):
        ladder.add_submission("b", "red", refuse)
    with pytest.raises(UserInputError, match="no ladder board named 'x'"):
        ladder.add_submission("x", "red", refuse)
    assert ladder.submissions("b") == []


def test_concurrent_submissions_cannot_both_take_the_last_slot(
        store: Store, make_run: Callable[..., NewRun]) -> None:
    if store.url == "sqlite://":
        pytest.skip("an in-memory store has one connection, not for threads")
    ladder = LadderRepository(store)
    ladder.create_board(BOARD)
    run_id = store.create_run(make_run())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def one_slot(earlier: list[LadderSubmissionRecord], now: datetime) -> NewLadderSubmission:
        if earlier:
            raise UserInputError("over the limit")
        time.sleep(0.2)  # the other submission arrives while this one decides
        return new(run_id, 0.5)

    def submit() -> None:
        barrier.wait()
        try:
            ladder.add_submission("b", "red", one_slot)
            outcomes.append("stored")
        except UserInputError:
            outcomes.append("refused")

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "stored"]
    assert len(ladder.submissions("b", "red")) == 1
