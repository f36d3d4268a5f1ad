"""fairclimb suites: the suites fairclimb knows."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fairclimb.suites import describe_suites


def suites_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List suites with their size, task kinds, languages, splits and origin."""
    rows = describe_suites()
    if as_json:
        typer.echo(json.dumps([row.to_json() for row in rows], indent=2))
        return
    table = Table("suite", "size", "kinds", "languages", "splits", "origin", "description")
    for row in rows:
        table.add_row(row.name, str(row.size), ", ".join(row.kinds), ", ".join(row.languages),
                      ", ".join(row.splits), row.origin, row.description)
    Console().print(table)


COMMANDS = {"suites": suites_command}
