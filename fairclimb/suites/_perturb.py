"""Perturbed tasks: the same problem in other words, to probe memorisation.

A variant keeps a task's semantics and changes its surface: the entry point, its
parameters and the prompt's helper functions are renamed consistently in prompt,
reference and tests (on the syntax tree, so a name inside a string or an unrelated
attribute is never touched); the docstring's prose is reworded from a seeded table of
synonymous phrasings, and its literal examples are replaced by other calls taken from
the tests, shown in another order, whose outputs the reference computes.

Building is two steps, because this part never runs code: :func:`plan_variant` renames
and picks the example calls; the caller runs the renamed reference on them in the
sandbox and hands the outputs to :meth:`VariantPlan.finish`. The caller then keeps
the variant only if its renamed reference passes its renamed tests.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import keyword
import random
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from fairclimb.suites._task import Language, Task, TaskKind

__all__ = ["SkipReason", "VariantPlan", "perturbed_origin", "perturbed_suite_name",
           "plan_variant", "source_task_id"]

_MAX_EXAMPLES = 3
_WORDS = {  # name words and their synonyms, for new identifiers
    "has": "contains", "close": "near", "elements": "items", "element": "item",
    "string": "text", "strings": "texts", "list": "seq", "lst": "items", "numbers": "values",
    "number": "value", "num": "value", "nums": "values", "arr": "array", "sum": "total",
    "count": "tally", "max": "largest", "min": "smallest", "sort": "order", "sorted": "ordered",
    "is": "check", "get": "fetch", "find": "locate", "remove": "drop", "words": "tokens",
    "word": "token", "make": "build", "check": "verify", "total": "sum", "char": "symbol",
    "chars": "symbols", "s": "text", "l": "items", "n": "count", "x": "value", "a": "first",
    "b": "second", "k": "size", "text": "message", "values": "entries", "array": "vector",
    "separate": "split", "parse": "read", "encode": "cipher", "decode": "decipher",
    "prime": "prime", "length": "size", "all": "every", "unique": "distinct",
}
_PREFIXES = ("compute", "solve", "do", "eval", "run")
_PARAM_POOL = ("data", "value", "item", "source", "arg", "inp")
#: prose phrasings that mean the same; a seeded choice of each alternative
_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\bYou are given\b", ("You receive", "You get")),
    (r"\bWrite a function\b", ("Implement a function", "Create a function")),
    (r"\bCheck if\b", ("Determine whether", "Decide if")),
    (r"\bcheck if\b", ("determine whether", "decide if")),
    (r"\bReturn\b", ("Give back", "Produce")),
    (r"\breturn\b", ("give back", "produce")),
    (r"\bReturns\b", ("Gives back", "Produces")),
    (r"\breturns\b", ("gives back", "produces")),
    (r"\bGiven\b", ("For", "Taking")),
    (r"\bgiven\b", ("provided", "supplied")),
    (r"\bshould\b", ("must", "is to")),
    (r"\be\.g\.", ("for instance", "say")),
    (r"\bexample\b", ("instance", "illustration")),
)
_HEADER = re.compile(r"^\s*(for\s+)?(an?\s+)?examples?(\s+\d+)?\s*[:.]?\s*$", re.IGNORECASE)
_STOPWORDS = {"a", "i", "an", "as", "at", "be", "by", "in", "is", "it", "of", "on", "or",
              "to", "and", "the", "for", "not", "if", "no"}


class SkipReason(StrEnum):
    """Why a task got no variant."""

    NOT_PYTHON_IMPLEMENT = "not a Python implement task with a reference and tests"
    UNPARSEABLE = "its prompt and reference do not parse as one Python program"
    NO_ENTRY_POINT = "its prompt does not define its entry point"
    NO_LITERAL_CALLS = "its tests make no call with literal arguments to show as examples"
    EXAMPLES_FAILED = "its reference raised or did not answer on the new examples"
    VARIANT_FAILS = "its renamed reference fails its renamed tests"
    ORIGINAL_FAILS = "its reference fails its own tests"


def perturbed_suite_name(source: str) -> str:
    return f"{source}-perturbed"


def perturbed_origin(source: str, source_origin: str, seed: int) -> str:
    return (f"fairclimb: perturbed variants of the suite {source} ({source_origin}) "
            f"with seed {seed}")


def source_task_id(variant_id: str, suite: str) -> str:
    """The id of the task a variant of the perturbed suite *suite* was made from."""
    return variant_id.removeprefix(f"{suite}/")


@dataclass(frozen=True, slots=True)
class VariantPlan:
    """A renamed task waiting for its examples' outputs.

    ``calls`` are the example calls (positional literal arguments) to run on the renamed
    reference, in the order they will be shown; ``renames`` maps old names to new.
    """

    task: Task  # renamed, docstring still to be written
    renames: dict[str, str]
    calls: tuple[tuple[Any, ...], ...]
    call_texts: tuple[str, ...]
    _docstring: tuple[int, int, str, str]  # start, end, indent, prose (renamed, reworded)

    def finish(self, outputs: list[Any]) -> Task:
        """The variant, its docstring showing each call with the reference's output."""
        start, end, indent, prose = self._docstring
        lines = prose.rstrip().splitlines()
        if self.calls:
            lines += ["", "Examples:"] + [
                part for text, out in zip(self.call_texts, outputs, strict=True)
                for part in (f">>> {text}", repr(out))]
        body = "\n".join(f"{indent}{line}" if line.strip() else "" for line in lines)
        body = body.lstrip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        literal = f'"""{body}\n{indent}"""'
        prompt = self.task.prompt[:start] + literal + self.task.prompt[end:]
        return replace(self.task, prompt=prompt)


def plan_variant(task: Task, suite: str, seed: int) -> VariantPlan | SkipReason:
    """Rename *task* for the perturbed suite *suite* and choose its examples."""
    if (task.language is not Language.PYTHON or task.kind is not TaskKind.IMPLEMENT
            or task.reference_whole or not task.reference.strip() or not task.tests.strip()):
        return SkipReason.NOT_PYTHON_IMPLEMENT
    program = task.prompt + task.reference
    try:
        tree, tests_tree = ast.parse(program), ast.parse(task.tests)
        prompt_tree = ast.parse(task.prompt)
    except SyntaxError:
        return SkipReason.UNPARSEABLE
    defs = {node.name: node for node in prompt_tree.body if isinstance(node, ast.FunctionDef)}
    entry = defs.get(task.entry_point)
    if entry is None:
        return SkipReason.NO_ENTRY_POINT
    rng = random.Random(f"{seed}/{task.task_id}")
    taken = _identifiers(tree) | _identifiers(tests_tree)
    renames = {name: _new_name(name, rng, taken) for name in defs}
    params = {a.arg: _new_param(a.arg, rng, taken) for a in _params(entry)}
    docstring = _docstring_span(task.prompt, entry)
    original_doc = inspect.cleandoc(docstring[2]) if docstring else ""
    prose, examples = _drop_examples(original_doc, task.entry_point)
    calls = _literal_calls(tests_tree, renames[task.entry_point], rng,
                           docstring[2] if docstring else "")
    if examples and not calls:
        return SkipReason.NO_LITERAL_CALLS
    calls = calls[:max(1, min(examples, _MAX_EXAMPLES))] if examples else []
    edits = _edits(program, tree, renames, params, task.entry_point)
    new_program, boundary = _apply(program, edits, len(task.prompt))
    new_tests, _ = _apply(task.tests, _test_edits(task.tests, tests_tree, renames, params), 0)
    variant = replace(task, task_id=f"{suite}/{task.task_id}", suite=suite,
                      prompt=new_program[:boundary], reference=new_program[boundary:],
                      tests=new_tests, entry_point=renames[task.entry_point],
                      origin=perturbed_origin(task.suite, task.origin, seed))
    span = _docstring_span(variant.prompt, _entry_of(variant))
    if span is None:
        return VariantPlan(variant, {**renames, **params}, (), (), (0, 0, "", ""))
    start, end, _, indent = span
    prose = _reword(_rename_prose(prose, {**renames, **params}), rng)
    return VariantPlan(variant, {**renames, **params}, tuple(c for c, _ in calls),
                       tuple(t for _, t in calls), (start, end, indent, prose))


def _entry_of(task: Task) -> ast.FunctionDef:
    node = next(n for n in ast.parse(task.prompt).body
                if isinstance(n, ast.FunctionDef) and n.name == task.entry_point)
    return node


def _params(fn: ast.FunctionDef) -> list[ast.arg]:
    a = fn.args
    return [*a.posonlyargs, *a.args, *a.kwonlyargs,
            *([a.vararg] if a.vararg else []), *([a.kwarg] if a.kwarg else [])]


def _identifiers(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            found.add(node.name)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
    return found


def _fresh(base: str, taken: set[str]) -> str:
    name, number = base, 2
    while name in taken or keyword.iskeyword(name) or hasattr(builtins, name):
        name, number = f"{base}{number}", number + 1
    taken.add(name)
    return name


def _new_name(name: str, rng: random.Random, taken: set[str]) -> str:
    words = [w for w in name.split("_") if w]
    swapped = [_WORDS.get(w.lower(), w.lower()) for w in words]
    if swapped == [w.lower() for w in words] or len(swapped) == 1:
        swapped.insert(0, rng.choice(_PREFIXES))
    return _fresh("_".join(swapped), taken)


def _new_param(name: str, rng: random.Random, taken: set[str]) -> str:
    base = _WORDS.get(name.lower())
    if base is None or base == name:
        base = rng.choice(_PARAM_POOL)
    return _fresh(base, taken)


def _docstring_span(source: str, fn: ast.FunctionDef) -> tuple[int, int, str, str] | None:
    """Start and end offsets of *fn*'s docstring literal in *source*, its text and the
    indentation of its first line."""
    first = fn.body[0] if fn.body else None
    if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        return None
    node = first.value
    text = node.value
    assert isinstance(text, str)
    assert node.end_lineno is not None and node.end_col_offset is not None
    start = _offset(source, node.lineno, node.col_offset)
    end = _offset(source, node.end_lineno, node.end_col_offset)
    line = source.splitlines()[node.lineno - 1]
    return start, end, text, line[:len(line) - len(line.lstrip())]


def _offset(source: str, lineno: int, col: int) -> int:
    """The character offset of an AST position (whose column counts UTF-8 bytes)."""
    lines = source.splitlines(keepends=True)
    before = sum(len(line) for line in lines[:lineno - 1])
    return before + len(lines[lineno - 1].encode()[:col].decode(errors="ignore"))


def _literal_call_line(line: str, entry: str) -> bool:
    """Whether *line* calls *entry* with literal arguments only (``f(3) ➞ 5``)."""
    calls = list(re.finditer(rf"\b{re.escape(entry)}\s*\(", line))
    if not calls:
        return False
    for call in calls:
        args = _balanced(line, call.end())
        try:
            ast.literal_eval(f"({args},)" if args.strip() else "()")
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
    return True


def _balanced(line: str, start: int) -> str:
    """The text from *start* to the parenthesis that closes the one just before it."""
    depth = 1
    for i in range(start, len(line)):
        depth += {"(": 1, ")": -1}.get(line[i], 0)
        if depth == 0:
            return line[start:i]
    return line[start:] + "\x00"  # unclosed: never a literal


def _drop_examples(text: str, entry: str) -> tuple[str, int]:
    """The docstring without its examples, and how many it showed.

    Examples are ``>>>`` lines with their outputs, and, after a line announcing examples
    ("Examples:", "For example:"), lines calling the entry point on literals. Calls
    elsewhere are the specification (``fib4(0) -> 0``, ``fib4(n) -> fib4(n-1) + …``)
    and stay, renamed with the rest of the prose."""
    kept: list[str] = []
    shown = 0
    in_output = in_examples = dropped = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(">>>"):
            shown += 1
            in_output = True
            continue
        if in_output and stripped:
            continue
        in_output = False
        if dropped and stripped.startswith("="):  # an example's worked continuation
            continue
        dropped = False
        if _HEADER.match(line) or re.match(r"(?i)^for example\b", stripped):
            in_examples = True
            if _HEADER.match(line):
                continue
        if in_examples and _literal_call_line(line, entry):
            shown += 1
            dropped = True
            continue
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept), shown


def _rename_prose(text: str, renames: dict[str, str]) -> str:
    # Prose is not code: names are renamed where they stand as words, except names that
    # are also common English words (a parameter called ``a`` stays "a" in a sentence).
    for old, new in renames.items():
        if old.lower() not in _STOPWORDS:
            text = re.sub(rf"(?<![\w.]){re.escape(old)}(?!\w)", new, text)
    return text


def _reword(text: str, rng: random.Random) -> str:
    for pattern, choices in _PHRASES:
        choice = rng.choice(choices)
        text = re.sub(pattern, choice, text)
    return text


def _literal_calls(tests: ast.Module, new_entry: str, rng: random.Random,
                   docstring: str) -> list[tuple[tuple[Any, ...], str]]:
    """Calls of ``candidate`` in *tests* with literal positional arguments only, each
    once, in a seeded order, as (arguments, text of the call under the new name); calls
    the original docstring already shows come last, so the examples change."""
    found: dict[str, tuple[Any, ...]] = {}
    for node in ast.walk(tests):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "candidate" and not node.keywords and node.args):
            try:
                values = tuple(ast.literal_eval(arg) for arg in node.args)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            text = f"{new_entry}({', '.join(ast.unparse(arg) for arg in node.args)})"
            if len(text) <= 120:
                found.setdefault(text, values)
    chosen = list(found.items())
    rng.shuffle(chosen)
    shown = docstring.replace(" ", "")
    chosen.sort(key=lambda item: item[0].split("(", 1)[1].replace(" ", "") in shown)
    return [(values, text) for text, values in chosen]


Edit = tuple[int, int, str]  # start, end (character offsets), replacement


def _name_edit(source: str, node: ast.AST, name: str, new: str) -> Edit:
    start = _offset(source, node.lineno, node.col_offset)  # type: ignore[attr-defined]
    return start, start + len(name), new


def _def_edit(source: str, fn: ast.FunctionDef, new: str) -> Edit:
    start = _offset(source, fn.lineno, fn.col_offset)
    match = re.compile(rf"def\s+{re.escape(fn.name)}\b").search(source, start)
    assert match is not None
    name_start = match.end() - len(fn.name)
    return name_start, match.end(), new


def _edits(source: str, tree: ast.Module, renames: dict[str, str], params: dict[str, str],
           entry: str) -> list[Edit]:
    edits = _global_edits(source, tree, renames)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == entry)
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id in params:
            edits.append(_name_edit(source, node, node.id, params[node.id]))
        elif isinstance(node, ast.arg) and node.arg in params:
            edits.append(_name_edit(source, node, node.arg, params[node.arg]))
    return edits


def _global_edits(source: str, tree: ast.Module, renames: dict[str, str]) -> list[Edit]:
    edits: list[Edit] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in renames:
            edits.append(_name_edit(source, node, node.id, renames[node.id]))
        elif isinstance(node, ast.FunctionDef) and node.name in renames and node in tree.body:
            edits.append(_def_edit(source, node, renames[node.name]))
    return edits


def _test_edits(source: str, tree: ast.Module, renames: dict[str, str],
                params: dict[str, str]) -> list[Edit]:
    edits = _global_edits(source, tree, renames)
    for node in ast.walk(tree):  # candidate(numbers=...) names a parameter
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "candidate":
            edits += [_name_edit(source, kw, kw.arg, params[kw.arg])
                      for kw in node.keywords if kw.arg in params]
    return edits


def _apply(source: str, edits: list[Edit], boundary: int) -> tuple[str, int]:
    """*source* with *edits* made, and where *boundary* moved to."""
    out: list[str] = []
    position, moved = 0, boundary
    for start, end, new in sorted(set(edits)):
        out += [source[position:start], new]
        position = end
        if end <= boundary:
            moved += len(new) - (end - start)
    out.append(source[position:])
    return "".join(out), moved
