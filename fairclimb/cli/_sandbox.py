"""fairclimb sandbox self-check: which containment guarantees hold on this machine."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.cli._common import whole_table
from fairclimb.sandbox import Outcome, self_check

_STYLE = {Outcome.HOLDS: "green", Outcome.BROKEN: "bold red", Outcome.NOT_CONTAINED: "yellow"}


def self_check_command(
    sandbox: Annotated[str, typer.Option(
        "--sandbox", help="auto (the backend eval would use), bwrap, rlimits, a plugin's "
        "backend, or all.")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run the threat battery in real sandboxes and show which guarantees hold.

    Exits 1 unless every guarantee holds on every backend checked."""
    report = self_check(sandbox)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        table = whole_table("backend", "guarantee", "outcome", "detail")
        for result in report.results:
            table.add_row(result.backend, result.guarantee,
                          f"[{_STYLE[result.outcome]}]{result.outcome.value}[/]", result.detail)
        Console().print(table)
    if not report.all_hold:
        raise typer.Exit(1)


app = typer.Typer(name="sandbox", help="The sandbox: check what it contains on this machine.",
                  no_args_is_help=True)
COMMANDS = {"self-check": self_check_command}
