"""Private means private: a part's ``_modules`` are imported only inside that part
(CONVENTIONS.md 16), tests included (a part's tests live in its own folder, tests/PART/);
what others need goes into its facade."""

from __future__ import annotations

import ast
from pathlib import Path

import fairclimb

PACKAGE = Path(fairclimb.__file__).parent
TESTS = Path(__file__).parent


def _private_imports(path: Path, part: str | None) -> list[str]:
    """The modules of *path*'s imports that are private modules of a part other than
    *part* (None: of any part)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    found = []
    for name in names:
        parts = name.split(".")
        # a private module at the part's top level or in one of its subpackages
        # (fairclimb.evaluate.judge._pool)
        if (len(parts) >= 3 and parts[0] == "fairclimb" and parts[1] != part
                and any(name.startswith("_") for name in parts[2:])):
            found.append(name)
    return found


def test_no_part_imports_another_parts_private_modules() -> None:
    offenders = {str(path.relative_to(PACKAGE)): found for path in PACKAGE.rglob("*.py")
                 if path.parent != PACKAGE
                 and (found := _private_imports(path, path.relative_to(PACKAGE).parts[0]))}
    assert offenders == {}


def _tested_part(path: Path) -> str | None:
    """The part whose tests *path* holds: tests/sandbox/... tests sandbox; a file at the
    top of tests/ tests no part in particular."""
    parts = path.relative_to(TESTS).parts
    return parts[0] if len(parts) > 1 else None


def test_no_test_imports_the_private_modules_of_a_part_it_does_not_test() -> None:
    offenders = {str(path.relative_to(TESTS)): sorted(set(found))
                 for path in TESTS.rglob("*.py")
                 if (found := _private_imports(path, _tested_part(path)))}
    assert offenders == {}
