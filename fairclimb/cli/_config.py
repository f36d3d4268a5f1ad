"""fairclimb config: the settings in force and where each can be changed."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.cli._common import whole_table
from fairclimb.settings import Settings, load_settings, setting_sources


def config_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """Show every setting: its value, where that comes from, its environment variable
    and its meaning."""
    settings = load_settings()
    values = settings.model_dump()
    if as_json:
        typer.echo(json.dumps(values, indent=2))
        return
    sources = setting_sources()
    table = whole_table("setting", "value", "source", "environment", "meaning")
    for name, field in Settings.model_fields.items():
        table.add_row(name, str(values[name]), sources[name], f"FAIRCLIMB_{name.upper()}",
                      field.description or "")
    Console().print(table)
    Console().print("Layered: defaults < fairclimb.toml (or $FAIRCLIMB_CONFIG) < environment "
                    "< command-line flags.")


COMMANDS = {"config": config_command}
