"""Ladder: a board for private testing that adaptive resubmission cannot climb.

Teams submit answers to a suite's hidden tasks; the board evaluates them through the
evaluate facade and releases a team's new score only when it beats the team's best by
more than the Ladder's step (Blum & Hardt, parameter-free), repeating the previous best
otherwise. Per-sample verdicts never reach the team. A naive board (the exact score
every time) exists for comparison. What this can and cannot prove: ``docs/audit.md``.
"""

from fairclimb.ladder._board import (
    Board,
    BoardView,
    ModelAnswers,
    Standing,
    Submission,
    create_board,
    show_board,
    submit_model,
    submit_samples,
)
from fairclimb.ladder._mechanism import Best, BoardMode, Release, release

__all__ = [
    "Best",
    "Board",
    "BoardMode",
    "BoardView",
    "ModelAnswers",
    "Release",
    "Standing",
    "Submission",
    "create_board",
    "release",
    "show_board",
    "submit_model",
    "submit_samples",
]
