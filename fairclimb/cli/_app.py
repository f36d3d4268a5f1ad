"""The Typer application and its single error boundary.

Every command parses its arguments, calls one function of a part and renders the
result. A :class:`~fairclimb.errors.FairclimbError` becomes one line on stderr and its
exit code (see :func:`friendly_errors`); nothing else is caught, so a bug still shows
its traceback.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from fairclimb import __version__
from fairclimb.errors import FairclimbError
from fairclimb.settings import default_store_path

__all__ = ["app", "friendly_errors", "main"]

P = ParamSpec("P")
R = TypeVar("R")

_REQUIRED = re.compile(r"^\{(\w+)\}")

# Click asks each command's context for these; children inherit them from the root.
_CONTEXT = {"help_option_names": ["-h", "--help"]}


# Typer vendors its own Click (typer._click), a private module: its types stay Any here.
def _no_bool_metavar(params: list[Any]) -> list[Any]:
    """On/off flags take no value: show none (Typer would write ``<bool>`` there)."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class _Command(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _no_bool_metavar(super().get_params(ctx))

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """Arguments as ``NAME`` / ``[NAME]`` in the usage line, as ``--help`` lists them
        (Typer writes a required one as ``{name}``)."""
        return [_REQUIRED.sub(lambda m: m.group(1).upper(), piece)
                for piece in super().collect_usage_pieces(ctx)]


class _Group(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _no_bool_metavar(super().get_params(ctx))


app = typer.Typer(
    name="fairclimb",
    help="Make a coding model better, and prove it honestly.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (README)
    pretty_exceptions_enable=False,
    context_settings=_CONTEXT,
    cls=_Group,
)


def _show_version(value: bool) -> None:
    if value:
        Console().print(f"fairclimb {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Make a coding model better, and prove it honestly."""


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
        _arena_access,
        _audit,
        _climb,
        _config,
        _data,
        _distill,
        _eval,
        _generate,
        _ladder,
        _models,
        _quickstart,
        _ratings,
        _runs,
        _sandbox,
        _suites,
        _train,
        _view,
    )

    for module in (_eval, _generate, _quickstart, _config, _distill, _ratings, _view):
        for name, command in module.COMMANDS.items():
            app.command(name, cls=_Command, epilog=_example(name))(friendly_errors(command))
    for name, command in _arena_access.COMMANDS.items():  # `arena disable` and friends
        _arena.app.command(name, cls=_Command, epilog=_example(f"arena {name}"))(
            friendly_errors(command))
    for group in (_models, _arena, _suites, _data, _audit, _sandbox, _climb, _train,
                  _ladder, _runs):
        group.app.info.cls = _Group
        for name, command in group.COMMANDS.items():
            group.app.command(name, cls=_Command, epilog=_example(
                f"{group.app.info.name} {name}"))(friendly_errors(command))
        for sub_app, commands in getattr(group, "SUBGROUPS", ()):  # `arena token create`
            sub_app.info.cls = _Group
            for name, command in commands.items():
                sub_app.command(name, cls=_Command, epilog=_example(
                    f"{group.app.info.name} {sub_app.info.name} {name}"))(
                    friendly_errors(command))
            group.app.add_typer(sub_app)
        if hasattr(group, "CALLBACK"):  # the group's own command (`fairclimb suites`)
            group.app.callback(invoke_without_command=True)(friendly_errors(group.CALLBACK))
        app.add_typer(group.app)


def _example(command: str) -> str | None:
    from fairclimb.cli._examples import EXAMPLES

    example = EXAMPLES.get(command)
    return None if example is None else f"Example: $ {example}"


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


_register_commands()
