"""The Typer application and its single error boundary.

Every command parses its arguments, calls one function of a part and renders the
result. A :class:`~fairclimb.errors.FairclimbError` becomes one line on stderr and its
exit code (see :func:`friendly_errors`); nothing else is caught, so a bug still shows
its traceback.

The commands are listed in :data:`COMMANDS` and imported only when used (see
``_lazy.py``): ``fairclimb --help`` imports Typer and Rich, no part of fairclimb. A new
command module goes into that table; tests/cli/test_cli_start.py fails until it does.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
import typer.main
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from fairclimb._version import __version__
from fairclimb.cli._lazy import LazyCommand, LazyGroup, no_bool_metavar
from fairclimb.errors import FairclimbError

__all__ = ["COMMANDS", "app", "friendly_errors", "main"]

P = ParamSpec("P")
R = TypeVar("R")

_REQUIRED = re.compile(r"^\{(\w+)\}")

# Click asks each command's context for these; children inherit them from the root.
_CONTEXT = {"help_option_names": ["-h", "--help"]}


class _Command(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return no_bool_metavar(super().get_params(ctx))

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """Arguments as ``NAME`` / ``[NAME]`` in the usage line, as ``--help`` lists them
        (Typer writes a required one as ``{name}``)."""
        return [_REQUIRED.sub(lambda m: m.group(1).upper(), piece)
                for piece in super().collect_usage_pieces(ctx)]


class _Group(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return no_bool_metavar(super().get_params(ctx))


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
        from fairclimb.settings import default_store_path  # pydantic-settings: not at start-up

        self._path = default_store_path()
        self._existed = self._path.exists()

    def __call__(self) -> None:
        if not self._existed and self._path.exists():
            self._existed = True
            Console(stderr=True).print(
                f"created a new store at {self._path} (fairclimb looks for fairclimb.db "
                "or fairclimb.toml here and in the directories above; --db names another)",
                highlight=False, soft_wrap=True, markup=False)


def _module(name: str) -> Any:
    return importlib.import_module(f"fairclimb.cli.{name}")


@functools.cache
def _load_commands(module_name: str) -> dict[str, Any]:
    """The top-level commands one module defines (``eval``, ``ratings``...), built once."""
    scratch = typer.Typer()
    for name, command in _module(module_name).COMMANDS.items():
        scratch.command(name, cls=_Command, epilog=_example(name))(friendly_errors(command))
    return dict(typer.main.get_group(scratch).commands)


@functools.cache
def _load_group(module_name: str) -> dict[str, Any]:
    """A command group (``arena``, ``data``...) with its subcommands, built once."""
    group = _module(module_name)
    group.app.info.cls = _Group
    commands = dict(group.COMMANDS)
    if module_name == "_arena":  # `arena disable` and friends live in their own module
        commands = {**_module("_arena_access").COMMANDS, **commands}
    for name, command in commands.items():
        group.app.command(name, cls=_Command, epilog=_example(
            f"{group.app.info.name} {name}"))(friendly_errors(command))
    for sub_app, sub_commands in getattr(group, "SUBGROUPS", ()):  # `arena token create`
        sub_app.info.cls = _Group
        for name, command in sub_commands.items():
            sub_app.command(name, cls=_Command, epilog=_example(
                f"{group.app.info.name} {sub_app.info.name} {name}"))(friendly_errors(command))
        group.app.add_typer(sub_app)
    if hasattr(group, "CALLBACK"):  # the group's own command (`fairclimb suites`)
        group.app.callback(invoke_without_command=True)(friendly_errors(group.CALLBACK))
    return {group.app.info.name: typer.main.get_group(group.app)}


def _command(module_name: str, help: str) -> LazyCommand:
    return LazyCommand(help, functools.partial(_load_commands, module_name))


def _group(module_name: str, help: str) -> LazyCommand:
    return LazyCommand(help, functools.partial(_load_group, module_name))


# Every top-level command: the module that defines it and the line `fairclimb --help`
# shows, so listing them imports none of them. tests/cli/test_cli_start.py checks each
# line against the command's own help, and that every command module is listed here.
COMMANDS: dict[str, LazyCommand] = {
    "eval": _command("_eval", "Execute samples in the sandbox and report pass@k with "
                     "confidence intervals."),
    "generate": _command("_generate", "Draw samples from a model into DIR/samples.jsonl, "
                         "with provenance on every line."),
    "quickstart": _command("_quickstart", "Check the harness on HumanEval's references, then "
                           "evaluate the shipped examples."),
    "config": _command("_config", "Show every setting: its value, where that comes from, its "
                       "environment variable\nand its meaning."),
    "distill": _command("_distill", "Distil training records from a teacher: sample, "
                        "execute, keep the passing ones."),
    "ratings": _command("_ratings", "Rate models from arena battles: Bradley-Terry, 95% "
                        "intervals, rank ranges."),
    "view": _command("_view", "Browse runs (pass@k with intervals, results with programs), "
                     "compare two runs task\nby task, and read datasets' records with their "
                     "provenance, in the browser."),
    "models": _group("_models", "The model registry: add, list and remove models, trace a "
                     "trained model's lineage."),
    "arena": _group("_arena", "The arena: raters vote between two anonymous answers."),
    "suites": _group("_suites", "Suites: list, add your own, build, check and show tasks."),
    "data": _group("_data", "Datasets of training records: list, show, stats, export, card, "
                   "import-feedback, alias, merge, split."),
    "audit": _group("_audit", "Audits: check what other parts decided."),
    "sandbox": _group("_sandbox", "The sandbox: check what it contains on this machine."),
    "climb": _group("_climb", "Is a trained model's climb real? The climb report."),
    "train": _group("_train", "Fine-tune a checkpoint: sft, dpo, reward, grpo (needs the "
                    "'train' extra); card: a trained model's card."),
    "ladder": _group("_ladder", "Boards for private testing that adaptive resubmission "
                     "cannot climb."),
    "runs": _group("_runs", "Recorded evaluation runs; compare two of them."),
}
class _Root(LazyGroup):
    table = COMMANDS


app = typer.Typer(
    name="fairclimb",
    help="Make a coding model better, and prove it honestly.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (README)
    pretty_exceptions_enable=False,
    context_settings=_CONTEXT,
    cls=_Root,
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


def _example(command: str) -> str | None:
    from fairclimb.cli._examples import EXAMPLES

    example = EXAMPLES.get(command)
    return None if example is None else f"Example: $ {example}"


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()

