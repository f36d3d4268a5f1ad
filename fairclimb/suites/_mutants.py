"""Mutants: a reference with exactly one bug, labelled with the class of the bug.

The classes are the errors raters are asked to flag. Mutants feed the ``debug`` suites
(one bug per task) and the test-adequacy gate (tests must kill the reference's
mutants). Producing them is pure text work; running them is :mod:`fairclimb.evaluate`'s.

Python mutants are made from the AST but applied by splicing the source text at the
node's position, so every other line keeps its formatting and comments and a diff of
mutant against reference shows the one change.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING

from fairclimb.errors import UserInputError
from fairclimb.suites._js_mutants import javascript_mutants
from fairclimb.suites._mutant import BugClass, Mutant, Mutator, balanced_draw
from fairclimb.suites._py_source import Edit, Source

if TYPE_CHECKING:
    from fairclimb.suites._task import Task

__all__ = ["BugClass", "Mutant", "mutants_for", "python_mutants"]


def mutants_for(task: Task, *, seed: int = 0, limit: int | None = None) -> list[Mutant]:
    """The single-bug mutants of *task*'s reference, in the task's language."""
    from fairclimb.suites._task import Language

    mutators: dict[Language, Mutator] = {Language.PYTHON: python_mutants,
                                         Language.JAVASCRIPT: javascript_mutants}
    mutator = mutators.get(task.language)
    if mutator is None:
        raise UserInputError(f"{task.task_id}: no mutation operators for "
                             f"{task.language.value}")
    return mutator(task.reference_program, task.entry_point, seed=seed, limit=limit)


def python_mutants(program: str, entry_point: str, *, seed: int = 0,
                   limit: int | None = None) -> list[Mutant]:
    """Every single-bug mutant of the function *entry_point* in *program*.

    A :class:`Mutator`: only code inside the entry function (and the functions it
    defines) is mutated, and each mutant also parses.
    """
    try:
        tree = ast.parse(program)
    except SyntaxError as exc:
        raise UserInputError(f"the program does not parse: {exc.msg} (line {exc.lineno})"
                             ) from None
    function = next((node for node in tree.body if isinstance(node, ast.FunctionDef)
                     and node.name == entry_point), None)
    if function is None:
        raise UserInputError(f"the program defines no top-level function {entry_point!r}")
    source = Source(program)
    seen: set[str] = {program}
    mutants: list[Mutant] = []
    for edit in _edits(function, source):
        mutated = source.apply(edit)
        if mutated in seen or not _parses(mutated):
            continue
        seen.add(mutated)
        mutants.append(Mutant(edit.bug_class, mutated, edit.line, edit.description))
    if limit is not None and limit < len(mutants):
        mutants = balanced_draw(mutants, limit, random.Random(seed))
    return mutants


def _parses(program: str) -> bool:
    try:
        ast.parse(program)
    except (SyntaxError, ValueError):
        return False
    return True


# -- operator tables --------------------------------------------------------------------

_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
    ast.Mod: "%", ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
    ast.LShift: "<<", ast.RShift: ">>", ast.MatMult: "@",
}
_BINOP_SWAPS = {"+": "-", "-": "+", "*": "+", "/": "*", "//": "/", "%": "//", "**": "*",
                "&": "|", "|": "&", "^": "|", "<<": ">>", ">>": "<<"}
_CMPOPS: dict[type[ast.cmpop], str] = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}
_OFF_BY_ONE_CMP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
_WRONG_CMP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "!=", "!=": "==",
              "in": "not in", "not in": "in", "is": "is not", "is not": "is"}
_ATOMIC = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)


def _edits(function: ast.FunctionDef, source: Source) -> Iterator[Edit]:
    """Every candidate edit, in source order of the node it changes."""
    skip = _untouchable(function)
    scopes = _scopes(function)
    nodes = [node for node in ast.walk(function)
             if node is not function and id(node) not in skip and hasattr(node, "lineno")]
    nodes.sort(key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]
    for node in nodes:
        yield from _node_edits(node, source, scopes.get(id(node), ()))


def _node_edits(node: ast.AST, source: Source, names: tuple[str, ...]) -> Iterator[Edit]:
    if isinstance(node, ast.Compare):
        yield from _compare_edits(node, source)
    elif isinstance(node, ast.BinOp):
        yield from _binop_edits(node, source)
    elif isinstance(node, ast.AugAssign):
        yield from _augassign_edits(node, source)
    elif isinstance(node, ast.BoolOp):
        yield from _boolop_edits(node, source)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield _replace(node, source, source.segment(node.operand), BugClass.WRONG_OPERATOR,
                       "a 'not' was dropped")
    elif isinstance(node, ast.Constant):
        yield from _constant_edits(node, source)
    elif isinstance(node, ast.Call):
        yield from _range_edits(node, source)
    elif isinstance(node, ast.Subscript):
        yield from _index_edits(node, source)
    elif isinstance(node, ast.Name):
        yield from _name_edits(node, source, names)
    elif isinstance(node, ast.While):
        yield from _while_edits(node, source)
    elif isinstance(node, ast.If):
        yield from _guard_edits(node, source)
    elif isinstance(node, ast.Return):
        yield from _return_edits(node, source, names)


def _replace(node: ast.AST, source: Source, text: str, bug_class: BugClass,
             description: str) -> Edit:
    start, end = source.span(node)
    return Edit(start, end, text, bug_class, node.lineno, description)  # type: ignore[attr-defined]


def _compare_edits(node: ast.Compare, source: Source) -> Iterator[Edit]:
    left: ast.AST = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        token = _CMPOPS[type(op)]
        where = source.token_between(left, right, token)
        if where is not None:
            for table, bug_class in ((_OFF_BY_ONE_CMP, BugClass.OFF_BY_ONE),
                                     (_WRONG_CMP, BugClass.WRONG_OPERATOR)):
                if token in table:
                    new = table[token]
                    yield Edit(where[0], where[1], new, bug_class, node.lineno,
                                f"{token!r} became {new!r}")
        left = right


def _binop_edits(node: ast.BinOp, source: Source) -> Iterator[Edit]:
    token = _BINOPS.get(type(node.op))
    if token is None or token not in _BINOP_SWAPS:
        return
    where = source.token_between(node.left, node.right, token)
    if where is not None:
        new = _BINOP_SWAPS[token]
        yield Edit(where[0], where[1], new, BugClass.WRONG_OPERATOR, node.lineno,
                    f"{token!r} became {new!r}")


def _augassign_edits(node: ast.AugAssign, source: Source) -> Iterator[Edit]:
    token = _BINOPS.get(type(node.op))
    if token is None or token not in _BINOP_SWAPS:
        return
    where = source.token_between(node.target, node.value, token + "=")
    if where is not None:
        new = _BINOP_SWAPS[token] + "="
        yield Edit(where[0], where[1], new, BugClass.WRONG_OPERATOR, node.lineno,
                    f"{token + '='!r} became {new!r}")


def _boolop_edits(node: ast.BoolOp, source: Source) -> Iterator[Edit]:
    token, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
    for left, right in zip(node.values, node.values[1:], strict=False):
        where = source.token_between(left, right, token)
        if where is not None:
            yield Edit(where[0], where[1], new, BugClass.WRONG_OPERATOR, left.lineno,
                        f"{token!r} became {new!r}")


def _constant_edits(node: ast.Constant, source: Source) -> Iterator[Edit]:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int):
        return
    for new in (value + 1, value - 1):
        if new >= 0:  # a literal cannot be negative; -1 would be a unary minus
            yield _replace(node, source, str(new), BugClass.OFF_BY_ONE,
                           f"the constant {value} became {new}")


def _plus_minus(node: ast.expr, source: Source, what: str) -> Iterator[Edit]:
    """``x`` → ``x + 1`` and ``x - 1`` (constants are left to :func:`_constant_edits`)."""
    if isinstance(node, ast.Constant):
        return
    text = source.segment(node)
    if not isinstance(node, _ATOMIC):
        text = f"({text})"
    for sign in ("+", "-"):
        yield _replace(node, source, f"{text} {sign} 1", BugClass.OFF_BY_ONE,
                       f"{what} {source.segment(node)} became {text} {sign} 1")


def _range_edits(node: ast.Call, source: Source) -> Iterator[Edit]:
    if not (isinstance(node.func, ast.Name) and node.func.id == "range") or node.keywords:
        return
    if len(node.args) == 1:
        yield from _plus_minus(node.args[0], source, "the range stop")
    elif len(node.args) >= 2:
        yield from _plus_minus(node.args[0], source, "the range start")
        yield from _plus_minus(node.args[1], source, "the range stop")


def _index_edits(node: ast.Subscript, source: Source) -> Iterator[Edit]:
    index = node.slice
    if isinstance(index, ast.Slice):
        for bound in (index.lower, index.upper):
            if bound is not None:
                yield from _plus_minus(bound, source, "the slice bound")
    elif not isinstance(index, (ast.Constant, ast.Tuple)):
        yield from _plus_minus(index, source, "the index")


def _name_edits(node: ast.Name, source: Source, names: tuple[str, ...]) -> Iterator[Edit]:
    if not isinstance(node.ctx, ast.Load) or node.id not in names:
        return
    for other in names:
        if other != node.id:
            yield _replace(node, source, other, BugClass.WRONG_VARIABLE,
                           f"{node.id!r} became {other!r}")


def _while_edits(node: ast.While, source: Source) -> Iterator[Edit]:
    escapes = any(isinstance(n, (ast.Break, ast.Return, ast.Raise)) for n in _own_nodes(node))
    if not escapes and not (isinstance(node.test, ast.Constant) and node.test.value is True):
        yield _replace(node.test, source, "True", BugClass.INFINITE_LOOP,
                       "the loop condition became True (it never turns false)")
    tested = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
    for statement in _own_nodes(node):
        target = _updated_name(statement)
        if target is not None and target in tested:
            yield _replace(statement, source, "pass", BugClass.INFINITE_LOOP,
                           f"the loop variable {target!r} is no longer updated "
                           f"(`{source.segment(statement)}` removed)")


def _updated_name(statement: ast.AST) -> str | None:
    if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id
    if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)):
        return statement.targets[0].id
    return None


def _own_nodes(loop: ast.While) -> Iterator[ast.AST]:
    """The nodes of a loop's body, not descending into nested functions or loops."""
    stack: list[ast.AST] = list(loop.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.Lambda, ast.While, ast.For)):
            stack.extend(ast.iter_child_nodes(node))


def _guard_edits(node: ast.If, source: Source) -> Iterator[Edit]:
    last = node.body[-1]
    if node.orelse or not isinstance(last, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
        return
    yield _replace(node, source, "pass", BugClass.MISSING_EDGE_CASE,
                   f"the guard `if {source.segment(node.test)}:` was removed")


def _return_edits(node: ast.Return, source: Source, names: tuple[str, ...]) -> Iterator[Edit]:
    value = node.value
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return
    text = source.segment(value)
    if isinstance(value, ast.Constant) and isinstance(value.value, bool):
        yield _replace(value, source, str(not value.value), BugClass.WRONG_RETURN,
                       f"return {text} became return {not value.value}")
    elif isinstance(value, (ast.Compare, ast.BoolOp)) or (
            isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not)):
        yield _replace(value, source, f"not ({text})", BugClass.WRONG_RETURN,
                       "the returned value is negated")
    if isinstance(value, ast.Name):
        for other in names:
            if other != value.id:
                yield _replace(value, source, other, BugClass.WRONG_RETURN,
                               f"return {value.id} became return {other}")
    yield _replace(value, source, "None", BugClass.WRONG_RETURN,
                   f"return {_short(text)} became return None")


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= 40 else one_line[:39] + "…"


def _untouchable(function: ast.FunctionDef) -> set[int]:
    """Ids of nodes no operator may change: docstrings, f-string parts, annotations,
    default values and decorators."""
    skip: set[int] = set()
    for node in ast.walk(function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and _is_docstring(body[0]):
                skip.update(id(n) for n in ast.walk(body[0]))
            if not isinstance(node, ast.Lambda):
                for part in (*node.decorator_list, *([node.returns] if node.returns else [])):
                    skip.update(id(n) for n in ast.walk(part))
            skip.update(id(n) for n in ast.walk(node.args))
        elif isinstance(node, (ast.JoinedStr, ast.AnnAssign)):
            inside = node if isinstance(node, ast.JoinedStr) else node.annotation
            skip.update(id(n) for n in ast.walk(inside))
    return skip


def _is_docstring(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def _scopes(function: ast.FunctionDef) -> dict[int, tuple[str, ...]]:
    """For each node inside *function*: the local names in scope there, sorted."""
    scopes: dict[int, tuple[str, ...]] = {}

    def visit(fn: ast.FunctionDef | ast.AsyncFunctionDef, outer: frozenset[str]) -> None:
        names = set(outer) | _locals(fn)
        names.discard(fn.name)
        ordered = tuple(sorted(names))
        stack: list[ast.AST] = list(fn.body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(node, frozenset(names))
                continue
            scopes[id(node)] = ordered
            stack.extend(ast.iter_child_nodes(node))

    visit(function, frozenset())
    return scopes


def _locals(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Parameters and names bound in *fn* itself (not in functions it defines,
    comprehensions or lambdas, whose names are not in scope elsewhere)."""
    args = fn.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp,
                             ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names
