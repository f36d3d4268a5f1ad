"""Python program text for the mutator: AST positions (UTF-8 byte columns) turned into
character offsets, and one edit spliced in, so that every other line of a mutant keeps
its formatting and comments."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from fairclimb.suites._mutant import BugClass

__all__ = ["Edit", "Source"]


@dataclass(frozen=True, slots=True)
class Edit:
    start: int  # character offsets into the program
    end: int
    text: str
    bug_class: BugClass
    line: int
    description: str


class Source:
    """The program text, with AST positions (UTF-8 byte columns) turned into offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines = text.splitlines(keepends=True)
        self._starts = [0]
        for line in self._lines:
            self._starts.append(self._starts[-1] + len(line))

    def offset(self, lineno: int, col: int) -> int:
        line = self._lines[lineno - 1] if lineno - 1 < len(self._lines) else ""
        return self._starts[lineno - 1] + len(line.encode()[:col].decode(errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def apply(self, edit: Edit) -> str:
        return self.text[:edit.start] + edit.text + self.text[edit.end:]

    def token_between(self, left: ast.AST, right: ast.AST, token: str) -> tuple[int, int] | None:
        """Where *token* (an operator) stands between two nodes, if it does."""
        start, end = self.span(left)[1], self.span(right)[0]
        gap = self.text[start:end]
        at = _find_token(gap, token)
        return None if at < 0 else (start + at, start + at + len(token))


def _find_token(gap: str, token: str) -> int:
    """The position of *token* in *gap* as a whole operator (``<`` is not ``<=``)."""
    at = gap.find(token)
    while at >= 0:
        before = gap[at - 1] if at > 0 else " "
        after = gap[at + len(token)] if at + len(token) < len(gap) else " "
        word = token[0].isalpha()
        if word and not (before.isalnum() or before == "_") and not (after.isalnum()
                                                                    or after == "_"):
            return at
        if not word and before not in "<>=!*/+-%&|^" and after not in "<>=*/":
            return at
        at = gap.find(token, at + 1)
    return -1
