"""Reading the JSONL input files of the data part (prompts, votes) the same way."""

from __future__ import annotations

from pathlib import Path

from fairclimb.errors import UserInputError

__all__ = ["jsonl_lines"]


def jsonl_lines(path: Path, what: str, items: str) -> list[tuple[int, str]]:
    """The non-blank lines of the *what* file at *path*, with their 1-based numbers.

    A missing, unreadable or empty file raises one sentence naming it (*items* says
    what the file should hold: ``"prompts"``, ``"votes"``).
    """
    if not path.is_file():
        raise UserInputError(f"{what} file {str(path)!r} does not exist or is not a file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"cannot read {what} file {str(path)!r} ({exc})") from None
    numbered = [(lineno, line) for lineno, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise UserInputError(f"{what} file {str(path)!r} holds no {items}")
    return numbered
