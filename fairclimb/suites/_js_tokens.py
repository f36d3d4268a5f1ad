"""A small JavaScript tokenizer for the mutator: words, numbers and punctuators, with
strings, template literals, comments and regular-expression literals skipped over as
whole tokens, so that a mutation never lands inside them."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["KEYWORDS", "Token", "tokenize"]

_KEYWORD_TEXT = (
    "break case catch class const continue debugger default delete do else export extends "
    "false finally for function if import in instanceof let new null of return static super "
    "switch this throw true try typeof undefined var void while with yield async await "
    "NaN Infinity"
)
KEYWORDS = frozenset(_KEYWORD_TEXT.split())
# After these a "/" starts a regular expression; after anything else it divides.
_REGEX_AFTER_WORDS = frozenset({"return", "typeof", "case", "do", "else", "in", "of", "new",
                                "delete", "void", "throw", "instanceof", "yield", "await"})
_PUNCTUATOR_TEXT = (
    ">>>= ... === !== **= <<= >>= >>> &&= ||= ??= => == != <= >= && || ?? ?. ++ -- += -= *= "
    "/= %= &= |= ^= ** << >> { } ( ) [ ] ; , < > + - * / % & | ^ ! ~ ? : = . @ #"
)
# Longest first, so that ">>>=" is one token and not ">>" then ">=".
_PUNCTUATORS = sorted(_PUNCTUATOR_TEXT.split(), key=len, reverse=True)
_NUMBER = re.compile(r"0[xX][0-9a-fA-F_]+n?|0[bB][01_]+n?|0[oO][0-7_]+n?"
                     r"|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?n?")
_WORD = re.compile(r"[A-Za-z_$][\w$]*")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # word, number, string, template, regex, punct, comment, space
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def tokenize(source: str) -> list[Token]:
    """Every token of *source*, whitespace and comments included; text round-trips."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        kind, end = _next_token(source, pos, _last_significant(tokens))
        tokens.append(Token(kind, source[pos:end], pos))
        pos = end
    return tokens


def _last_significant(tokens: list[Token]) -> Token | None:
    for token in reversed(tokens):
        if token.kind not in ("space", "comment"):
            return token
    return None


def _next_token(source: str, pos: int, previous: Token | None) -> tuple[str, int]:
    char = source[pos]
    if match := _SPACE.match(source, pos):
        return "space", match.end()
    if source.startswith("//", pos):
        end = source.find("\n", pos)
        return "comment", len(source) if end < 0 else end
    if source.startswith("/*", pos):
        end = source.find("*/", pos + 2)
        return "comment", len(source) if end < 0 else end + 2
    if char in "'\"":
        return "string", _string_end(source, pos, char)
    if char == "`":
        return "template", _template_end(source, pos)
    if char == "/" and _regex_allowed(previous):
        return "regex", _regex_end(source, pos)
    if char.isdigit() or (char == "." and source[pos + 1 : pos + 2].isdigit()):
        match = _NUMBER.match(source, pos)
        if match:
            return "number", match.end()
    if match := _WORD.match(source, pos):
        return "word", match.end()
    for punct in _PUNCTUATORS:
        if source.startswith(punct, pos):
            return "punct", pos + len(punct)
    return "punct", pos + 1


def _string_end(source: str, pos: int, quote: str) -> int:
    index = pos + 1
    while index < len(source):
        if source[index] == "\\":
            index += 2
            continue
        if source[index] in (quote, "\n"):
            return index + 1
        index += 1
    return len(source)


def _template_end(source: str, pos: int) -> int:
    index = pos + 1
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
        elif char == "`":
            return index + 1
        elif source.startswith("${", index):
            index = _substitution_end(source, index + 2)
        else:
            index += 1
    return len(source)


def _substitution_end(source: str, pos: int) -> int:
    """The index just after the ``}`` closing a template substitution at *pos*."""
    depth = 1
    index = pos
    while index < len(source) and depth:
        kind, end = _next_token(source, index, None)
        text = source[index:end]
        if kind == "punct" and text == "{":
            depth += 1
        elif kind == "punct" and text == "}":
            depth -= 1
        index = end
    return index


def _regex_allowed(previous: Token | None) -> bool:
    if previous is None:
        return True
    if previous.kind == "word":
        return previous.text in _REGEX_AFTER_WORDS
    if previous.kind in ("number", "string", "template", "regex"):
        return False
    return previous.text not in (")", "]", "}", "++", "--")


def _regex_end(source: str, pos: int) -> int:
    index = pos + 1
    in_class = False
    while index < len(source) and source[index] != "\n":
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            index += 1
            while index < len(source) and (source[index].isalnum()):
                index += 1
            return index
        index += 1
    return index
