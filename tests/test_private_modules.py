"""Private means private: a part's ``_modules`` are imported only inside that part
(CONVENTIONS.md 16); what others need goes into its facade."""

from __future__ import annotations

import ast
from pathlib import Path

import fairclimb

PACKAGE = Path(fairclimb.__file__).parent


def _private_imports(path: Path) -> list[str]:
    """The modules of *path*'s imports that are private modules of another part."""
    part = path.relative_to(PACKAGE).parts[0]
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
                 if path.parent != PACKAGE and (found := _private_imports(path))}
    assert offenders == {}
