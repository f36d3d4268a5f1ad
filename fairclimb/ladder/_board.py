"""Ladder boards: create one over a suite's hidden split, submit answers, show the board.

A submission's samples are evaluated through the evaluate facade (the one run engine),
into a scratch folder that is removed afterwards, so no file with per-sample verdicts
is left for the team; the run and its results stay in the store, for the operator (marked
with the board, so run listings leave them out). A daily slot is reserved before anything
is evaluated, and given back if the submission fails or its process dies. What
the team is told is a :class:`Submission`: the released score, whether it is a new
best, and how many submissions it has made. Nothing is ever deleted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairclimb.errors import SamplesFileError, UserInputError
from fairclimb.evaluate import (
    CompletionBackend,
    EvalOptions,
    evaluate,
    evaluate_model,
    plan_evaluation,
    plan_generation,
)
from fairclimb.ladder._mechanism import Best, BoardMode, release
from fairclimb.store import (
    LadderBoardRecord,
    LadderRepository,
    LadderSubmissionRecord,
    NewLadderSubmission,
    ResultRow,
    Store,
)
from fairclimb.suites import Split, Suite, TaskKind, get_suite

if TYPE_CHECKING:
    from fairclimb.models import GenerationParams, ModelSpec

__all__ = ["Board", "BoardView", "ModelAnswers", "Standing", "Submission", "create_board",
           "show_board", "submit_model", "submit_samples"]

ProgressCallback = Callable[[int, int], None]
_MAX_NAME = 200
_SCRATCH = "fairclimb-ladder-"  # then the submitting process's id


@dataclass(frozen=True, slots=True)
class Board:
    name: str
    suite: str
    split: Split
    mode: BoardMode
    max_per_day: int
    task_ids: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"board": self.name, "suite": self.suite, "split": self.split.value,
                "mode": self.mode.value, "max_per_day": self.max_per_day,
                "tasks": len(self.task_ids)}


@dataclass(frozen=True, slots=True)
class Submission:
    """All a team is told about its submission."""

    board: str
    team: str
    submission: int  # the team's 1st, 2nd… submission to the board
    released_score: float
    improved: bool
    submissions: int  # the team's submissions to the board so far, this one included

    def to_json(self) -> dict[str, Any]:
        return {"team": self.team, "submission": self.submission,
                "released_score": self.released_score, "improved": self.improved,
                "submissions": self.submissions}


@dataclass(frozen=True, slots=True)
class Standing:
    team: str
    submissions: int
    released_score: float
    history: tuple[tuple[int, float, bool, str], ...]  # (number, released, improved, when)

    def to_json(self) -> dict[str, Any]:
        return {"team": self.team, "submissions": self.submissions,
                "released_score": self.released_score,
                "history": [{"submission": n, "released_score": r, "improved": i,
                             "submitted_at": when} for n, r, i, when in self.history]}


@dataclass(frozen=True, slots=True)
class BoardView:
    """The board as anyone may see it: released scores only, best team first."""

    board: Board
    standings: list[Standing]

    def to_json(self) -> dict[str, Any]:
        return {**self.board.to_json(), "teams": [s.to_json() for s in self.standings]}


@dataclass(frozen=True, slots=True)
class ModelAnswers:
    """A registered model's answers as a submission: how to ask it, and how often."""

    spec: ModelSpec
    params: GenerationParams
    backend: Callable[[], CompletionBackend]
    n: int = 1
    concurrency: int = 32


def create_board(store: Store, name: str, suite_name: str, *, split: Split = Split.PRIVATE,
                 mode: BoardMode = BoardMode.LADDER, max_per_day: int = 10) -> Board:
    """A new board scoring *suite_name*'s tasks of *split*, fixed to today's task ids."""
    _check_name(name, "board")
    if max_per_day < 1:
        raise UserInputError(f"--max-per-day must be at least 1, not {max_per_day}")
    suite = get_suite(suite_name, store)
    tasks = [task for task in suite.tasks if task.split is split]
    if not tasks:
        raise UserInputError(f"the suite {suite.name} has no {split.value} tasks; choose a "
                             "suite with such tasks, such as fairclimb-implement")
    if any(task.kind is TaskKind.WEBDEV for task in tasks):
        raise UserInputError(f"the {split.value} tasks of {suite.name} include webdev tasks, "
                             "which have no automatic tests; a board cannot score them")
    record = LadderRepository(store).create_board(LadderBoardRecord(
        name=name, suite=suite.name, split=split.value, mode=mode.value,
        max_per_day=max_per_day, task_ids=[task.task_id for task in tasks]))
    return _board(record)


def submit_samples(store: Store, board_name: str, team: str, samples_path: Path,
                   options: EvalOptions, on_progress: ProgressCallback | None = None
                   ) -> Submission:
    """Evaluate a samples file on the board's hidden tasks and release what the board
    allows. Bad input (unknown board, a file for another suite or other tasks, a team
    over its daily limit) is refused before anything is evaluated or stored."""
    board, hidden = _open(store, board_name, team)
    with _scratch() as scratch:
        try:
            plan = plan_evaluation(board.suite, samples_path, scratch / "run", options, store)
        except SamplesFileError as exc:
            if exc.other_suite is None:
                raise
            raise UserInputError(  # the board's suite is fixed: no --suite to change
                f"{samples_path} answers tasks of the suite {exc.other_suite}; the board "
                f"{board.name} scores {board.suite} only") from None
        outside = sorted({s.task_id for s in plan.samples if hidden.get(s.task_id) is None})
        if outside:
            raise UserInputError(
                f"{samples_path} answers {outside[0]}, which the board {board.name} does not "
                f"score; submit answers to its {board.split.value} tasks of {board.suite} only")
        with _slot(store, board, team) as slot:
            secret = replace(plan.options, board=board.name)
            outcome = evaluate(replace(plan, suite=hidden, options=secret), store, on_progress)
            run_id = outcome.summary.run_id
            assert run_id is not None  # evaluate always stores its run
            return _record(store, board, team, run_id, ("samples", str(samples_path.resolve()),
                                                        plan.samples_sha256), slot)


def submit_model(store: Store, board_name: str, team: str, answers: ModelAnswers,
                 options: EvalOptions, on_progress: ProgressCallback | None = None
                 ) -> Submission:
    """Ask a registered model for answers to the board's hidden tasks, evaluate them
    as they arrive, and release what the board allows."""
    board, hidden = _open(store, board_name, team)
    with _scratch() as scratch:
        plan = plan_generation(answers.spec, board.suite, answers.n, answers.params,
                               answers.concurrency, scratch / "run", store)
        with _slot(store, board, team) as slot:
            outcome = evaluate_model(replace(plan, suite=hidden),
                                     replace(options, board=board.name),
                                     store, answers.backend(), on_progress)
            run_id = outcome.evaluation.summary.run_id
            assert run_id is not None
            run = store.get_run(run_id)
            return _record(store, board, team, run_id,
                           ("model", answers.spec.name, run.samples_sha256 if run else ""), slot)


@contextmanager
def _scratch() -> Iterator[Path]:
    """A scratch folder for one submission, removed afterwards; the folders of earlier
    submissions whose process was killed (and so could not remove theirs) go first."""
    root = Path(tempfile.gettempdir())
    for stale in root.glob(f"{_SCRATCH}*-*"):
        pid = stale.name[len(_SCRATCH):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f"{_SCRATCH}{os.getpid()}-") as scratch:
        yield Path(scratch)


@contextmanager
def _slot(store: Store, board: Board, team: str) -> Iterator[int]:
    """One of the team's daily slots, taken before anything is evaluated (so a refused
    submission evaluates and stores nothing) and given back if the submission fails."""
    repository = LadderRepository(store)
    slot = repository.reserve(board.name, team,
                              lambda taken, now: _refuse_over_limit(board, team, taken, now))
    try:
        yield slot
    except BaseException:
        repository.abandon(slot)
        raise


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def show_board(store: Store, name: str) -> BoardView:
    """Every team's submissions and released scores, best released score first."""
    board = _require_board(store, name)
    teams: dict[str, list[LadderSubmissionRecord]] = {}
    for record in LadderRepository(store).submissions(board.name):
        teams.setdefault(record.team, []).append(record)
    standings = [Standing(team, len(records),
                          max(r.submission.released_score for r in records),
                          tuple((r.number, r.submission.released_score,
                                 r.submission.improved, r.submitted_at.isoformat())
                                for r in records))
                 for team, records in teams.items()]
    standings.sort(key=lambda s: (-s.released_score, s.team))
    return BoardView(board, standings)


def _open(store: Store, board_name: str, team: str) -> tuple[Board, Suite]:
    board = _require_board(store, board_name)
    _check_name(team, "team")
    suite = get_suite(board.suite, store)
    tasks = [suite.get(task_id) for task_id in board.task_ids]
    missing = [tid for tid, task in zip(board.task_ids, tasks, strict=True) if task is None]
    if missing:
        raise UserInputError(f"the suite {board.suite} no longer has the task {missing[0]}, "
                             f"which the board {board.name} scores; restore the suite")
    return board, Suite(suite.name, suite.description, suite.origin,
                        tuple(task for task in tasks if task is not None))


def _record(store: Store, board: Board, team: str, run_id: str,
            source: tuple[str, str, str], slot: int) -> Submission:
    scores = _task_scores(store.results(run_id), board.task_ids)

    def decide(earlier: list[LadderSubmissionRecord], now: datetime) -> NewLadderSubmission:
        answer = release(board.mode, [scores[t] for t in board.task_ids],
                         _best(earlier, board.task_ids))
        return NewLadderSubmission(source[0], source[1], source[2], run_id, answer.score,
                                   scores, answer.step, answer.released, answer.improved)

    stored = LadderRepository(store).add_submission(board.name, team, decide, slot)
    return Submission(board.name, team, stored.number, stored.submission.released_score,
                      stored.submission.improved, stored.number)


def _task_scores(rows: Iterable[ResultRow], task_ids: Iterable[str]) -> dict[str, float]:
    """Each task's share of passing samples; a task without samples scores 0."""
    passed: dict[str, list[bool]] = {}
    for row in rows:
        passed.setdefault(row.task_id, []).append(row.passed)
    return {t: (sum(passed[t]) / len(passed[t]) if passed.get(t) else 0.0) for t in task_ids}


def _best(earlier: list[LadderSubmissionRecord], task_ids: tuple[str, ...]) -> Best | None:
    """The team's last released new best (released scores only ever rise)."""
    for record in reversed(earlier):
        if record.submission.improved:
            scores = record.submission.task_scores
            return Best([scores.get(t, 0.0) for t in task_ids], record.submission.released_score)
    return None


def _refuse_over_limit(board: Board, team: str, taken: list[datetime], now: datetime) -> None:
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    today = sum(when >= midnight for when in taken)
    if today >= board.max_per_day:
        raise UserInputError(f"the team {team} has made its {board.max_per_day} submissions "
                             f"to {board.name} allowed today (UTC); submit again tomorrow")


def _require_board(store: Store, name: str) -> Board:
    record = LadderRepository(store).get_board(name)
    if record is None:
        known = [b.name for b in LadderRepository(store).list_boards()]
        hint = f"the boards are {', '.join(known)}" if known else (
            "create one with 'fairclimb ladder create NAME --suite S'")
        raise UserInputError(f"there is no ladder board named {name!r}; {hint}")
    return _board(record)


def _board(record: LadderBoardRecord) -> Board:
    return Board(record.name, record.suite, Split(record.split), BoardMode(record.mode),
                 record.max_per_day, tuple(record.task_ids))


def _check_name(name: str, what: str) -> None:
    if not name.strip() or len(name) > _MAX_NAME:
        raise UserInputError(f"a {what} name must be 1 to {_MAX_NAME} characters, not "
                             f"{name!r}")
