"""fairclimb runs: the evaluation runs recorded in the store."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fairclimb.cli._common import DbOption
from fairclimb.settings import load_settings
from fairclimb.store import Store


def runs_command(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    db: DbOption = None,
) -> None:
    """List recorded evaluation runs, newest first."""
    settings = load_settings(db=db)
    with Store.open(settings.db) as store:
        runs = store.list_runs(limit)
    if as_json:
        typer.echo(json.dumps([asdict(run) for run in runs], indent=2, default=str))
        return
    table = Table("run", "suite", "samples", "started", "finished", "pass@1", "sandbox")
    for run in runs:
        pass1 = next((p["estimate"] for p in (run.summary or {}).get("pass_at_k", [])
                      if p["k"] == 1), None)
        table.add_row(run.run_id[:12], run.suite, str(run.n_samples),
                      f"{run.started_at:%Y-%m-%d %H:%M}",
                      f"{run.finished_at:%H:%M:%S}" if run.finished_at else "unfinished",
                      f"{pass1:.1%}" if pass1 is not None else "-", run.sandbox)
    Console().print(table)


COMMANDS = {"runs": runs_command}
