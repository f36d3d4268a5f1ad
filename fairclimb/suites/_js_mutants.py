"""Single-bug mutants of JavaScript programs, made at the level of tokens.

A small tokenizer splits the program into tokens, skipping over strings, template
literals, comments and regular-expression literals, so that a mutation never lands
inside them. Each mutant changes one token span (or removes one statement) and is
labelled with its :class:`~fairclimb.suites.BugClass`. Pure text work: nothing is run.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from fairclimb.errors import UserInputError
from fairclimb.suites._js_tokens import KEYWORDS, tokenize
from fairclimb.suites._mutant import BugClass, Mutant, balanced_draw

__all__ = ["javascript_mutants", "tokenize"]

_OFF_BY_ONE = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
_WRONG_OPERATOR = {
    "+": "-", "-": "+", "*": "/", "/": "*", "%": "/",
    "===": "!==", "!==": "===", "==": "!=", "!=": "==",
    "<": ">", ">": "<", "<=": ">=", ">=": "<=",
    "&&": "||", "||": "&&", "+=": "-=", "-=": "+=", "*=": "/=",
}
_DECLARERS = frozenset({"let", "const", "var"})


# ---------------------------------------------------------------- mutation sites

@dataclass(frozen=True, slots=True)
class _Edit:
    bug_class: BugClass
    start: int
    end: int
    replacement: str
    description: str


class _Program:
    def __init__(self, source: str) -> None:
        self.source = source
        self.all = tokenize(source)
        self.tokens = [t for t in self.all if t.kind not in ("space", "comment")]

    def text(self, index: int) -> str:
        return self.tokens[index].text if 0 <= index < len(self.tokens) else ""

    def matching(self, index: int) -> int:
        """The index of the bracket closing the one at *index* (or the last token)."""
        pairs = {"(": ")", "[": "]", "{": "}"}
        opening = self.tokens[index].text
        depth = 0
        for position in range(index, len(self.tokens)):
            text = self.tokens[position].text
            if self.tokens[position].kind != "punct":
                continue
            if text == opening:
                depth += 1
            elif text == pairs[opening]:
                depth -= 1
                if depth == 0:
                    return position
        return len(self.tokens) - 1

    def statement_end(self, index: int) -> int:
        """The index of the ``;`` ending the statement starting at *index* (same depth)."""
        depth = 0
        for position in range(index, len(self.tokens)):
            token = self.tokens[position]
            if token.kind != "punct":
                continue
            if token.text in "([{":
                depth += 1
            elif token.text in ")]}":
                depth -= 1
                if depth < 0:
                    return position - 1
            elif token.text == ";" and depth == 0:
                return position
        return len(self.tokens) - 1

    def is_unary(self, index: int) -> bool:
        before = self.tokens[index - 1] if index > 0 else None
        if before is None:
            return True
        if before.kind == "word":
            return before.text in KEYWORDS and before.text not in ("this", "true", "false",
                                                                     "null", "undefined")
        return before.kind == "punct" and before.text not in (")", "]", "}", "++", "--")

    def defines(self, name: str) -> bool:
        """Whether a function, class or binding is declared under *name*."""
        return any(token.text == name and index > 0
                   and self.text(index - 1) in ("function", "class", *_DECLARERS)
                   for index, token in enumerate(self.tokens))

    def declared_names(self) -> list[str]:
        """Parameters and let/const/var names, in order of first declaration."""
        names: dict[str, None] = {}
        for index, token in enumerate(self.tokens):
            if token.text in _DECLARERS:
                for name in self._declared_after(index + 1):
                    names.setdefault(name, None)
            elif token.text == "function":
                opening = index + 1
                while opening < len(self.tokens) and self.text(opening) != "(":
                    opening += 1
                if opening < len(self.tokens):
                    for position in range(opening + 1, self.matching(opening)):
                        if self._is_binding(position):
                            names.setdefault(self.tokens[position].text, None)
            elif token.text == "=>" and self.text(index - 1) == ")":
                closing = index - 1
                opening = closing
                depth = 0
                while opening > 0:
                    text = self.text(opening)
                    depth += text == ")"
                    depth -= text == "("
                    if depth == 0:
                        break
                    opening -= 1
                for position in range(opening + 1, closing):
                    if self._is_binding(position):
                        names.setdefault(self.tokens[position].text, None)
            elif (token.text == "=>" and index > 0 and self.tokens[index - 1].kind == "word"):
                names.setdefault(self.tokens[index - 1].text, None)
        return [name for name in names if name not in KEYWORDS]

    def _declared_after(self, index: int) -> Iterator[str]:
        token = self.tokens[index] if index < len(self.tokens) else None
        if token is None:
            return
        if token.kind == "word":
            yield token.text
        elif token.text in ("[", "{"):
            for position in range(index + 1, self.matching(index)):
                if self._is_binding(position):
                    yield self.tokens[position].text

    def _is_binding(self, position: int) -> bool:
        token = self.tokens[position]
        if token.kind != "word" or token.text in KEYWORDS:
            return False
        after = self.text(position + 1)
        before = self.text(position - 1)
        return before != "=" and after in (",", ")", "=", "]", "}", "") and before != "."

    def is_declaration_site(self, index: int) -> bool:
        before = self.text(index - 1)
        if before in _DECLARERS or before in ("function", ".", "?.", "class"):
            return True
        if self.text(index + 1) == "=>":
            return True
        if self.text(index + 1) == ":" and before in ("{", ","):
            return True  # an object key
        return self._inside_parameters(index)

    def _inside_parameters(self, index: int) -> bool:
        depth = 0
        for position in range(index - 1, -1, -1):
            text = self.text(position)
            if text == ")":
                depth += 1
            elif text == "(":
                if depth == 0:
                    closing = self.matching(position)
                    word = self.text(position - 1)
                    return (self.text(closing + 1) in ("{", "=>")
                            and (word == "function" or self.text(position - 2) == "function"
                                 or self.text(closing + 1) == "=>"))
                depth -= 1
            elif text in ("{", "}", ";"):
                return False
        return False


def _edits(program: _Program, rng: random.Random) -> Iterator[_Edit]:
    tokens = program.tokens
    names = program.declared_names()
    in_for_header = _for_header_ranges(program)
    for index, token in enumerate(tokens):
        text = token.text
        if token.kind == "punct" and text in _OFF_BY_ONE and not program.is_unary(index):
            yield _Edit(BugClass.OFF_BY_ONE, token.start, token.end, _OFF_BY_ONE[text],
                        f"'{text}' became '{_OFF_BY_ONE[text]}'")
        if token.kind == "number" and re.fullmatch(r"\d+", text):
            value = int(text)
            yield _Edit(BugClass.OFF_BY_ONE, token.start, token.end, str(value + 1),
                        f"{value} became {value + 1}")
            if value > 0:
                yield _Edit(BugClass.OFF_BY_ONE, token.start, token.end, str(value - 1),
                            f"{value} became {value - 1}")
        if (token.kind == "punct" and text in _WRONG_OPERATOR
                and not (text in "+-" and program.is_unary(index))):
            swapped = _WRONG_OPERATOR[text]
            yield _Edit(BugClass.WRONG_OPERATOR, token.start, token.end, swapped,
                        f"'{text}' became '{swapped}'")
        if (token.kind == "word" and text in names and not program.is_declaration_site(index)):
            others = [name for name in names if name != text]
            if others:
                other = rng.choice(others)
                yield _Edit(BugClass.WRONG_VARIABLE, token.start, token.end, other,
                            f"'{text}' became '{other}'")
        if text == "if" and program.text(index + 1) == "(":
            yield from _guard_removal(program, index)
        if text == "return":
            yield from _wrong_returns(program, index, names, rng)
        if text in ("++", "--") or (text in ("+=", "-=") and index in in_for_header):
            yield from _lost_update(program, index, in_for_header)


def _for_header_ranges(program: _Program) -> set[int]:
    inside: set[int] = set()
    for index, token in enumerate(program.tokens):
        if token.text == "for" and program.text(index + 1) == "(":
            closing = program.matching(index + 1)
            inside.update(range(index + 2, closing))
    return inside


def _guard_removal(program: _Program, index: int) -> Iterator[_Edit]:
    """``if (cond) return x;`` (or ``{ return x; }``) removed, when there is no else."""
    closing = program.matching(index + 1)
    body = closing + 1
    if program.text(body) == "return":
        end = program.statement_end(body)
    elif program.text(body) == "{" and program.text(body + 1) == "return":
        end = program.statement_end(body + 1) + 1
        if program.text(end) != "}":
            return
    else:
        return
    if program.text(end + 1) == "else" or program.text(index - 1) == "else":
        return
    tokens = program.tokens
    start, stop = tokens[index].start, tokens[end].end
    yield _Edit(BugClass.MISSING_EDGE_CASE, start, stop, "",
                f"the guard `{program.source[start:stop][:60]}` was removed")


def _wrong_returns(program: _Program, index: int, names: list[str],
                   rng: random.Random) -> Iterator[_Edit]:
    tokens = program.tokens
    end = program.statement_end(index)
    if end == index + 1 or end <= index:
        return  # a bare return
    first, last = tokens[index + 1], tokens[end - 1 if program.text(end) == ";" else end]
    value = program.source[first.start:last.end]
    replacement = {"true": "false", "false": "true", "null": "0", "0": "1", "-1": "0",
                   "[]": "null", "''": "null", '""': "null", "{}": "null"}.get(value)
    if replacement is None:
        alternatives = [name for name in names if name != value]
        use_other = value in names and alternatives
        replacement = rng.choice(alternatives) if use_other else "undefined"
    yield _Edit(BugClass.WRONG_RETURN, first.start, last.end, replacement,
                f"`return {value[:40]}` became `return {replacement}`")


def _lost_update(program: _Program, index: int, in_for_header: set[int]) -> Iterator[_Edit]:
    """A loop variable no longer updated: the update of a for header, or a statement
    ``i++;`` / ``i--;`` / ``++i;`` that stands alone (typically in a while loop)."""
    tokens = program.tokens
    text = tokens[index].text
    if index in in_for_header:
        # The whole update expression of the header: from after the second ';' to ')'.
        start = index
        while program.text(start - 1) != ";":
            start -= 1
        stop = index
        while program.text(stop + 1) != ")":
            stop += 1
        yield _Edit(BugClass.INFINITE_LOOP, tokens[start].start, tokens[stop].end, "",
                    f"the loop update `{program.source[tokens[start].start:tokens[stop].end]}`"
                    " was removed")
        return
    if text not in ("++", "--"):
        return
    before, after = program.text(index - 1), program.text(index + 1)
    if tokens[index - 1].kind == "word" and after == ";" and program.text(index - 2) in (
            ";", "{", "}"):
        start, stop = index - 1, index + 1
    elif before in (";", "{", "}") and tokens[index + 1].kind == "word" \
            and program.text(index + 2) == ";":
        start, stop = index, index + 2
    else:
        return
    statement = program.source[tokens[start].start:tokens[stop].end]
    yield _Edit(BugClass.INFINITE_LOOP, tokens[start].start, tokens[stop].end, "",
                f"the update `{statement}` was removed")


def javascript_mutants(program: str, entry_point: str, *, seed: int = 0,
                       limit: int | None = None) -> list[Mutant]:
    """Single-bug mutants of *program*: a :class:`~fairclimb.suites._mutant.Mutator`
    that mutates every function of the program (helpers are part of the behaviour)."""
    rng = random.Random(seed)
    parsed = _Program(program)
    if not parsed.defines(entry_point):
        raise UserInputError(f"the program defines no function {entry_point!r}")
    seen: set[str] = set()
    mutants: list[Mutant] = []
    for edit in _edits(parsed, rng):
        mutated = program[:edit.start] + edit.replacement + program[edit.end:]
        if mutated == program or mutated in seen:
            continue
        seen.add(mutated)
        line = program.count("\n", 0, edit.start) + 1
        mutants.append(Mutant(edit.bug_class, mutated, line, edit.description))
    if limit is not None and len(mutants) > limit:
        mutants = balanced_draw(mutants, limit, rng)
    return mutants
