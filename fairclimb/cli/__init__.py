"""The command line: one Typer command per user verb; logic lives in the parts.

A command's module (and the parts it needs) is imported only when that command runs;
:func:`main` does even the CLI's own import inside its guard, so a Ctrl-C during start-up
ends with one line, not a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["app", "main"]


def main() -> None:
    """The ``fairclimb`` console script."""
    try:
        from fairclimb.cli._app import main as run

        run()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None


def __getattr__(name: str) -> Any:
    if name == "app":  # the Typer app, for embedding and tests; loaded on first use
        from fairclimb.cli._app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
