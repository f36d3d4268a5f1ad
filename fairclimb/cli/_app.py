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

from fairclimb.errors import FairclimbError

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
        try:
            return command(*args, **kwargs)
        except FairclimbError as exc:
            Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False,
                                       soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            Console(stderr=True).print("interrupted; rerun the same command to resume")
            raise typer.Exit(130) from None

    return wrapper


def _register_commands() -> None:
    from fairclimb.cli import (
        _arena,
        _arena_access,
        _audit,
        _config,
        _data,
        _distill,
        _eval,
        _generate,
        _models,
        _quickstart,
        _ratings,
        _runs,
        _suites,
    )

    for module in (_eval, _generate, _quickstart, _runs, _config, _distill):
        for name, command in module.COMMANDS.items():
            app.command(name)(friendly_errors(command))
    for module in (_ratings,):
        for name, command in module.COMMANDS.items():
            app.command(name)(friendly_errors(command))
    for name, command in _arena_access.COMMANDS.items():  # `arena disable` and friends
        _arena.app.command(name)(friendly_errors(command))
    for group in (_models, _arena, _suites, _data, _audit):
        for name, command in group.COMMANDS.items():
            group.app.command(name)(friendly_errors(command))
        for sub_app, commands in getattr(group, "SUBGROUPS", ()):  # `arena token create`
            for name, command in commands.items():
                sub_app.command(name)(friendly_errors(command))
            group.app.add_typer(sub_app)
        if hasattr(group, "CALLBACK"):  # the group's own command (`fairclimb suites`)
            group.app.callback(invoke_without_command=True)(friendly_errors(group.CALLBACK))
        app.add_typer(group.app)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


_register_commands()
