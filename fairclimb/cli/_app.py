"""The Typer application and its single error boundary.

Every command parses its arguments, calls one function of a part and renders the
result. A :class:`~fairclimb.errors.FairclimbError` becomes one line on stderr and its
exit code (see :func:`friendly_errors`); nothing else is caught, so a bug still shows
its traceback.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from fairclimb.errors import FairclimbError
from fairclimb.settings import default_store_path

__all__ = ["app", "friendly_errors", "main"]

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="fairclimb",
    help="Make a coding model better, and prove it honestly.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so a FairclimbError ends it with one line and its exit code."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        announce = _NewStore()
        try:
            result = command(*args, **kwargs)
        except FairclimbError as exc:
            announce()
            # escaped: a message may hold brackets ("pip install 'fairclimb[train]'")
            Console(stderr=True).print(f"[bold red]error:[/] {escape(str(exc))}",
                                       highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            announce()
            Console(stderr=True).print("interrupted; rerun the same command to resume")
            raise typer.Exit(130) from None
        except typer.Exit:
            announce()
            raise
        announce()
        return result

    return wrapper


class _NewStore:
    """Says in one line on stderr that the command created the store no --db named
    (the project's, found upwards, or the per-user one): a store appearing where nobody
    looked is how a run gets lost."""

    def __init__(self) -> None:
        self._path = default_store_path()
        self._existed = self._path.exists()

    def __call__(self) -> None:
        if not self._existed and self._path.exists():
            self._existed = True
            Console(stderr=True).print(
                f"created a new store at {self._path} (fairclimb looks for fairclimb.db "
                "or fairclimb.toml here and in the directories above; --db names another)",
                highlight=False, soft_wrap=True, markup=False)


def _register_commands() -> None:
    from fairclimb.cli import (
        _arena,
        _audit,
        _climb,
        _config,
        _data,
        _distill,
        _eval,
        _generate,
        _models,
        _quickstart,
        _ratings,
        _runs,
        _sandbox,
        _suites,
        _train,
    )

    for module in (_eval, _generate, _quickstart, _runs, _config, _distill):
        for name, command in module.COMMANDS.items():
            app.command(name)(friendly_errors(command))
    for module in (_ratings,):
        for name, command in module.COMMANDS.items():
            app.command(name)(friendly_errors(command))
    for group in (_models, _arena, _suites, _data, _audit, _sandbox, _climb, _train):
        for name, command in group.COMMANDS.items():
            group.app.command(name)(friendly_errors(command))
        if hasattr(group, "CALLBACK"):  # the group's own command (`fairclimb suites`)
            group.app.callback(invoke_without_command=True)(friendly_errors(group.CALLBACK))
        app.add_typer(group.app)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


_register_commands()
