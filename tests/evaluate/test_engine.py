"""The run engine is the one path from samples to verdicts (issue 10: one run engine)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import fairclimb

PACKAGE = Path(fairclimb.__file__).parent
POOL_MODULE = "fairclimb.evaluate.judge._pool"
# evaluate's private modules, at its top level or in its subpackages (judge, generation)
PRIVATE = re.compile(r"fairclimb\.evaluate\.(?:[a-z]\w*\.)*_")


def _pool_calls(path: Path) -> list[int]:
    """Lines of *path* that make a checker pool (evaluate's ``Pool``) themselves."""
    tree = ast.parse(path.read_text())
    imported = any(isinstance(node, ast.ImportFrom) and node.module == POOL_MODULE
                   and any(alias.name == "Pool" for alias in node.names)
                   for node in ast.walk(tree))
    if not imported:
        return []
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "Pool"]


def test_only_the_one_pool_maker_makes_checker_pools() -> None:
    # A second loop that builds its own pool drifts: distill's forgot Node.js and
    # perf_runs, so every JavaScript answer "crashed" (defect 6).
    makers = {str(path.relative_to(PACKAGE)): lines for path in PACKAGE.rglob("*.py")
              if (lines := _pool_calls(path))}
    assert set(makers) == {"evaluate/judge/_checkers.py"}, makers


def test_nothing_outside_evaluate_imports_its_private_modules() -> None:
    offenders = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                 if "evaluate" not in path.relative_to(PACKAGE).parts[:1]
                 and PRIVATE.search(path.read_text())]
    assert offenders == []
