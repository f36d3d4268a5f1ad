"""Ladder boards in the store: create one, read it, and add submissions one at a time.

The store decides nothing: :meth:`LadderRepository.add_submission` hands the team's
earlier submissions to the caller's *decide* function inside the write transaction that
stores its answer, so a daily limit and a release that depend on them are checked and
stored atomically, even when a team submits twice at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from fairclimb.errors import UserInputError
from fairclimb.store._ladder_tables import LadderBoardRow, LadderSubmissionRow
from fairclimb.store._store import Store

__all__ = ["LadderBoardRecord", "LadderRepository", "LadderSubmissionRecord",
           "NewLadderSubmission"]


@dataclass(frozen=True, slots=True)
class LadderBoardRecord:
    name: str
    suite: str
    split: str
    mode: str
    max_per_day: int
    task_ids: list[str]
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewLadderSubmission:
    """What the caller decided about a submission; the store adds its number and time."""

    source: str
    source_name: str
    source_sha256: str
    run_id: str
    score: float
    task_scores: dict[str, float]
    step: float
    released_score: float
    improved: bool


@dataclass(frozen=True, slots=True)
class LadderSubmissionRecord:
    board: str
    team: str
    number: int
    submission: NewLadderSubmission
    submitted_at: datetime


Decide = Callable[[list[LadderSubmissionRecord], datetime], NewLadderSubmission]


class LadderRepository:
    """The ladder boards of one :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def create_board(self, board: LadderBoardRecord) -> LadderBoardRecord:
        with self._store.transaction(f"creating the board {board.name}", write=True) as session:
            if session.get(LadderBoardRow, board.name) is not None:
                raise UserInputError(f"a ladder board named {board.name!r} already exists; "
                                     "choose another name")
            row = LadderBoardRow(name=board.name, suite=board.suite, split=board.split,
                                 mode=board.mode, max_per_day=board.max_per_day,
                                 task_ids=list(board.task_ids), created_at=datetime.now(UTC))
            session.add(row)
            session.flush()
            return _board(row)

    def get_board(self, name: str) -> LadderBoardRecord | None:
        with self._store.transaction(f"reading the board {name}") as session:
            row = session.get(LadderBoardRow, name)
            return None if row is None else _board(row)

    def list_boards(self) -> list[LadderBoardRecord]:
        with self._store.transaction("listing ladder boards") as session:
            query = select(LadderBoardRow).order_by(LadderBoardRow.name)
            return [_board(row) for row in session.scalars(query)]

    def submissions(self, board: str, team: str | None = None) -> list[LadderSubmissionRecord]:
        """The board's submissions (one team's, when given), oldest first."""
        query = select(LadderSubmissionRow).where(LadderSubmissionRow.board == board)
        if team is not None:
            query = query.where(LadderSubmissionRow.team == team)
        with self._store.transaction(f"reading the submissions of {board}") as session:
            return [_submission(row) for row in
                    session.scalars(query.order_by(LadderSubmissionRow.id))]

    def add_submission(self, board: str, team: str, decide: Decide) -> LadderSubmissionRecord:
        """Store what *decide* makes of the team's earlier submissions (and now), in
        one write transaction; whatever *decide* raises leaves nothing stored."""
        with self._store.transaction(f"storing a submission to {board}", write=True) as session:
            # PostgreSQL: the board's row lock orders concurrent submissions (SQLite's
            # write transaction already does).
            locked = session.scalars(select(LadderBoardRow).where(LadderBoardRow.name == board)
                                     .with_for_update()).first()
            if locked is None:
                raise UserInputError(f"there is no ladder board named {board!r}")
            earlier = [_submission(row) for row in session.scalars(
                select(LadderSubmissionRow).where(LadderSubmissionRow.board == board,
                                                  LadderSubmissionRow.team == team)
                .order_by(LadderSubmissionRow.id))]
            now = datetime.now(UTC)
            new = decide(earlier, now)
            row = LadderSubmissionRow(board=board, team=team, number=len(earlier) + 1,
                                      submitted_at=now, **_values(new))
            session.add(row)
            session.flush()
            return _submission(row)


def _values(new: NewLadderSubmission) -> dict[str, Any]:
    return {"source": new.source, "source_name": new.source_name,
            "source_sha256": new.source_sha256, "run_id": new.run_id, "score": new.score,
            "task_scores": dict(new.task_scores), "step": new.step,
            "released_score": new.released_score, "improved": new.improved}


def _board(row: LadderBoardRow) -> LadderBoardRecord:
    return LadderBoardRecord(name=row.name, suite=row.suite, split=row.split, mode=row.mode,
                             max_per_day=row.max_per_day, task_ids=list(row.task_ids),
                             created_at=row.created_at)


def _submission(row: LadderSubmissionRow) -> LadderSubmissionRecord:
    new = NewLadderSubmission(
        source=row.source, source_name=row.source_name, source_sha256=row.source_sha256,
        run_id=row.run_id, score=row.score,
        task_scores={str(k): float(v) for k, v in row.task_scores.items()}, step=row.step,
        released_score=row.released_score, improved=row.improved)
    return LadderSubmissionRecord(board=row.board, team=row.team, number=row.number,
                                  submission=new, submitted_at=row.submitted_at)
