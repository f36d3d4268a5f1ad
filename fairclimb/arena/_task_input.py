"""What a rater or an admin hands the arena, checked before anything is stored: task
kinds and votes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fairclimb.arena._records import LABELS
from fairclimb.data import Winner
from fairclimb.errors import UserInputError
from fairclimb.store import NewVote

KINDS = ("implement", "debug", "optimize", "explain", "webdev")
_MAX_COMMENT = 5_000
_MAX_CODE = 100_000


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise UserInputError(f"unknown task kind {kind!r}; use one of {', '.join(KINDS)}")


def checked_vote(rater_id: int, battle_id: int, winner: Winner | str, labels_a: Sequence[str],
                 labels_b: Sequence[str], comment: str, correction: str,
                 briefing_version: int | None) -> NewVote:
    try:
        winner = Winner(winner)  # the form sends FastChat's spelling
    except ValueError:
        raise UserInputError("choose A, B, tie or both bad") from None
    unknown = sorted((set(labels_a) | set(labels_b)) - set(LABELS))
    if unknown:
        raise UserInputError(f"unknown error label {unknown[0]!r}; use {', '.join(LABELS)}")
    if len(comment) > _MAX_COMMENT or len(correction) > _MAX_CODE:
        raise UserInputError(f"the comment is limited to {_MAX_COMMENT} characters and the "
                             f"correction to {_MAX_CODE}")
    return NewVote(battle_id, rater_id, winner, sorted(set(labels_a)), sorted(set(labels_b)),
                   comment.strip(), correction, briefing_version)


def now() -> datetime:
    return datetime.now(UTC)
