"""No import cycles between fairclimb's modules: a cycle hidden in a function-level
import still ties two modules into one (neither can be read, tested or moved alone), so
the graph counts every import, at module level and inside functions, imports only for
type checkers (``if TYPE_CHECKING:``, the same dependency) and modules loaded by name
(``importlib.import_module("fairclimb...")``). A part's facade counts as a module: it
imports its part's modules, so a module that imports a facade depends on them all."""

from __future__ import annotations

import ast
from pathlib import Path

import fairclimb

PACKAGE = Path(fairclimb.__file__).parent


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    return imports_of(path.read_text(encoding="utf-8"), _module(path),
                      path.name == "__init__.py", modules)


def imports_of(source: str, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """The fairclimb modules that module *name* imports (``from pkg import name`` names
    the module ``pkg.name`` when that is a module, else ``pkg``)."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "import_module" and node.args
                and isinstance(node.args[0], ast.Constant)):
            found.add(str(node.args[0].value))
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    paths = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    modules = {_module(p) for p in paths}
    return {_module(p): _imports(p, modules) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_every_kind_of_import() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = import_graph()
    assert "fairclimb.arena._bt" in graph["fairclimb.arena._robust"]  # module level
    assert "fairclimb.store" in graph["fairclimb.cli._arena"]  # a facade
    source = """
from typing import TYPE_CHECKING
from . import _b
if TYPE_CHECKING:
    from fairclimb.p._c import C
def f():
    from fairclimb.p._d import d
    return importlib.import_module("fairclimb.p._e")
"""
    modules = {f"fairclimb.p._{x}" for x in "abcde"} | {"fairclimb.p"}
    assert imports_of(source, "fairclimb.p._a", False, modules) == modules - {
        "fairclimb.p._a", "fairclimb.p"}


def test_no_import_cycles_between_modules() -> None:
    assert cycles(import_graph()) == []
