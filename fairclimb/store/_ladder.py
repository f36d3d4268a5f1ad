"""Ladder boards in the store: create one, read it, and add submissions one at a time.

The store decides nothing: :meth:`LadderRepository.add_submission` hands the team's
earlier submissions to the caller's *decide* function inside the write transaction that
stores its answer, so a daily limit and a release that depend on them are checked and
stored atomically, even when a team submits twice at once.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fairclimb.errors import UserInputError
from fairclimb.store._ladder_tables import (
    LadderBoardRow,
    LadderReservationRow,
    LadderSubmissionRow,
)
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
#: given the times of the team's stored submissions and of its slots still being
#: evaluated, and now: raise to refuse another slot
Refuse = Callable[[list[datetime], datetime], None]


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

    def reserve(self, board: str, team: str, refuse: Refuse) -> int:
        """Take a slot for the team's next submission, before its answers are evaluated,
        in one locked transaction: *refuse* sees the times of its stored submissions and
        of its slots still pending, so concurrent submissions cannot all pass a daily
        limit. A slot whose process died (on this host) is marked abandoned first."""
        with self._store.transaction(f"reserving a submission to {board}",
                                     write=True) as session:
            _lock(session, board)
            _abandon_dead(session, board, team)
            taken = [row.submitted_at for row in session.scalars(
                select(LadderSubmissionRow).where(LadderSubmissionRow.board == board,
                                                  LadderSubmissionRow.team == team))]
            taken += [row.reserved_at for row in session.scalars(
                select(LadderReservationRow).where(LadderReservationRow.board == board,
                                                   LadderReservationRow.team == team,
                                                   LadderReservationRow.state == "pending"))]
            now = datetime.now(UTC)
            refuse(taken, now)
            row = LadderReservationRow(board=board, team=team, state="pending",
                                       host=socket.gethostname(), pid=os.getpid(),
                                       reserved_at=now)
            session.add(row)
            session.flush()
            return row.id

    def abandon(self, reservation: int) -> None:
        """Give a pending slot back (its submission failed): it no longer counts."""
        with self._store.transaction("abandoning a submission's slot", write=True) as session:
            session.execute(update(LadderReservationRow)
                            .where(LadderReservationRow.id == reservation,
                                   LadderReservationRow.state == "pending")
                            .values(state="abandoned"))

    def add_submission(self, board: str, team: str, decide: Decide,
                       reservation: int | None = None) -> LadderSubmissionRecord:
        """Store what *decide* makes of the team's earlier submissions (and now), in
        one write transaction, and mark its *reservation* done; whatever *decide*
        raises leaves nothing stored."""
        with self._store.transaction(f"storing a submission to {board}", write=True) as session:
            _lock(session, board)
            if reservation is not None:
                session.execute(update(LadderReservationRow)
                                .where(LadderReservationRow.id == reservation)
                                .values(state="done"))
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


def _lock(session: Session, board: str) -> None:
    # PostgreSQL: the board's row lock orders concurrent submissions (SQLite's write
    # transaction already does).
    locked = session.scalars(select(LadderBoardRow).where(LadderBoardRow.name == board)
                             .with_for_update()).first()
    if locked is None:
        raise UserInputError(f"there is no ladder board named {board!r}")


def _abandon_dead(session: Session, board: str, team: str) -> None:
    """Mark abandoned the pending slots whose process on this host is gone (killed)."""
    host = socket.gethostname()
    for row in session.scalars(select(LadderReservationRow).where(
            LadderReservationRow.board == board, LadderReservationRow.team == team,
            LadderReservationRow.state == "pending", LadderReservationRow.host == host)):
        if not _alive(row.pid):
            row.state = "abandoned"
    session.flush()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


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
