"""fairclimb climb report: is a trained model's gain over its base real or illusory?"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.audit import (
    ClimbOptions,
    ClimbReport,
    climb_cells,
    climb_method,
    climb_notes,
    climb_report,
    write_climb_report,
)
from fairclimb.cli._common import (
    BatchSizeOption,
    DbOption,
    DeviceOption,
    SandboxOption,
    TimeoutOption,
    WorkersOption,
    eval_options,
    progress_bar,
    whole_table,
)
from fairclimb.models import Device, GenerationParams, LocalOptions
from fairclimb.settings import load_settings
from fairclimb.store import Store


def report_command(
    base: Annotated[str, typer.Option("--base", help="The registered model trained from.")],
    trained: Annotated[str, typer.Option("--trained", help="The registered trained model.")],
    suites: Annotated[list[str], typer.Option(
        "--suite", "-s", help="A suite to evaluate both on (repeatable).")],
    n: Annotated[int, typer.Option("-n", min=1, help="Samples per task.")] = 1,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Directory for climb.md, climb.json, climb.svg and the runs.")
    ] = Path("climb"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    temperature: Annotated[float | None, typer.Option(
        "--temperature", help="Default: 0 (greedy) with -n 1, else 0.8.")] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens")] = 512,
    seed: Annotated[int, typer.Option(
        "--seed", help="Sent to the models, and seeds the bootstrap.")] = 0,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", "-c", min=1, help="Requests in flight at most.")] = 32,
    device: DeviceOption = Device.AUTO,
    batch_size: BatchSizeOption = 8,
    workers: WorkersOption = None,
    timeout: TimeoutOption = None,
    sandbox: SandboxOption = None,
    db: DbOption = None,
) -> None:
    """Evaluate both models on every split of every suite, compare them task by task,
    and flag a public gain that exceeds the private gain beyond noise."""
    settings = load_settings(workers=workers, timeout=timeout, sandbox=sandbox, db=db)
    params = GenerationParams(
        temperature=(0.0 if n == 1 else 0.8) if temperature is None else temperature,
        max_tokens=max_tokens, seed=seed)
    options = ClimbOptions(base=base, trained=trained, suites=tuple(suites), out_dir=out,
                           n=n, params=params, concurrency=concurrency,
                           local=LocalOptions(device, batch_size), seed=seed)
    with Store.open(settings.db) as store, \
            progress_bar(Console(stderr=True), f"{trained} vs {base}", lazy=True) as update:
        report = climb_report(store, options, eval_options(settings), os.environ,
                              lambda what, done, total: update(done, total))
    files = write_climb_report(report, out)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        _print(report, Console())
        Console().print(f"report: {files.markdown}  {files.json}  {files.svg}",
                        highlight=False)
    if report.flags:
        raise typer.Exit(1)


def _print(report: ClimbReport, console: Console) -> None:
    """The report for a terminal: the Markdown file's figures, its table as a table whose
    cells wrap (at 80 columns a Markdown table line would be cut across lines)."""
    console.print(f"Climb report: {report.trained} against {report.base}", style="bold",
                  highlight=False)
    console.print(climb_method(report), highlight=False)
    headers, rows = climb_cells(report)
    table = whole_table(*headers)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print("\n".join(climb_notes(report)), markup=False, highlight=False)


app = typer.Typer(name="climb", help="Is a trained model's climb real? The climb report.",
                  no_args_is_help=True)
COMMANDS = {"report": report_command}
