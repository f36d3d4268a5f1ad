"""A command group that imports a command's module only when that command is used.

Click's documented "lazily loading subcommands" pattern, under Typer: the top-level group
knows each command's name and one-line help from a table (no import); the module that
defines a command is imported when the command runs, when its own ``--help`` is asked, or
when something walks the command tree (tests, docs). ``fairclimb --help`` therefore lists
every command without importing SQLAlchemy, numpy, the arena or the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from typer.core import TyperCommand, TyperGroup

__all__ = ["LazyCommand", "LazyCommands", "LazyGroup", "no_bool_metavar"]


# Typer vendors its own Click (typer._click), a private module: its types stay Any here.
def no_bool_metavar(params: list[Any]) -> list[Any]:
    """On/off flags take no value: show none (Typer would write ``<bool>`` there)."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


@dataclass(frozen=True)
class LazyCommand:
    """Where a top-level command lives and the one line ``fairclimb --help`` shows for it.

    ``load`` imports the command's module(s) and returns the Click commands they define,
    by name (it may return more than one: every command of that module).
    """

    help: str
    load: Callable[[], dict[str, Any]]


class LazyCommands(MutableMapping[str, Any]):
    """The root group's commands: loaded ones, and the others by name until first asked.

    Iterating lists every name in the table's order without importing anything; reading
    one (``commands[name]``, ``.get``, ``.items()``) imports the module that defines it.
    """

    def __init__(self, table: Mapping[str, LazyCommand], loaded: MutableMapping[str, Any]) -> None:
        self._table = table
        self._loaded = dict(loaded)

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded and name in self._table:
            self._loaded.update(self._table[name].load())
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._table
        yield from (name for name in self._loaded if name not in self._table)

    def __len__(self) -> int:
        return len(self._table.keys() | self._loaded.keys())

    def __contains__(self, name: object) -> bool:
        return name in self._table or name in self._loaded

    def is_loaded(self, name: str) -> bool:
        return name in self._loaded

    def stand_in(self, name: str) -> Any:
        """A command that only says its name and one line, for listings."""
        return TyperCommand(name=name, help=self._table[name].help)


class LazyGroup(TyperGroup):
    """The root group: lists commands from its table, imports one when it is used."""

    table: ClassVar[Mapping[str, LazyCommand]] = {}  # the application's, on a subclass

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(self.table, self.commands)
        self._listing = False

    def get_params(self, ctx: Any) -> list[Any]:
        return no_bool_metavar(super().get_params(ctx))

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # names only: Typer's own reads every command

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        commands = self.commands
        if (self._listing and isinstance(commands, LazyCommands) and cmd_name in self.table
                and not commands.is_loaded(cmd_name)):
            return commands.stand_in(cmd_name)
        return commands.get(cmd_name)

    @contextmanager
    def _stand_ins(self) -> Iterator[None]:
        self._listing = True
        try:
            yield
        finally:
            self._listing = False

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with self._stand_ins():  # the listing needs a name and a line, not the module
            super().format_help(ctx, formatter)

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        with self._stand_ins():
            return super().shell_complete(ctx, incomplete)
