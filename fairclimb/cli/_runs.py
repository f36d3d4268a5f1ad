"""fairclimb runs: the evaluation runs recorded in the store, and comparing two of them."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from fairclimb.cli._common import DbOption
from fairclimb.evaluate import RunComparison, compare_runs, resolve_run, run_model
from fairclimb.settings import load_settings
from fairclimb.store import Store

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def runs_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    db: DbOption = None,
) -> None:
    """List recorded evaluation runs, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings(db=db)
    with Store.open(settings.db) as store:
        runs = store.list_runs(limit)
    if as_json:
        typer.echo(json.dumps([{**asdict(run), "model": run_model(run)} for run in runs],
                              indent=2, default=str))
        return
    # The id is what a user types back (runs compare, the viewer): never cut it; the
    # other columns wrap instead (the sandbox is in --json: it does not fit 80 columns).
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("run", no_wrap=True, min_width=32)
    table.add_column("model", overflow="fold", min_width=8)
    table.add_column("suite", overflow="fold", min_width=8)
    for header in ("n", "started", "pass@1"):
        table.add_column(header, no_wrap=True, min_width=len(header))
    for run in runs:
        pass1 = next((p["estimate"] for p in (run.summary or {}).get("pass_at_k", [])
                      if p["k"] == 1), None)
        table.add_row(run.run_id, run_model(run) or "-", run.suite, str(run.n_samples),
                      f"{run.started_at:%m-%d %H:%M}" + ("" if run.finished_at else " open"),
                      f"{pass1:.1%}" if pass1 is not None else "-")
    Console().print(table)


def compare_command(
    run_a: Annotated[str, typer.Argument(help="The first run's id (or a unique prefix).")],
    run_b: Annotated[str, typer.Argument(help="The second run's id (or a unique prefix).")],
    as_json: JsonOption = False,
    seed: Annotated[int, typer.Option("--seed", help="Seeds the bootstrap.")] = 0,
    db: DbOption = None,
) -> None:
    """Compare two runs paired by task: pass@1 of each, the difference with a paired 95%
    interval (bootstrap over tasks), and the tasks gained and lost.

    Example: fairclimb runs compare 3f2a 9c1e --json
    """
    with Store.open(load_settings(db=db).db) as store:
        first, second = resolve_run(store, run_a), resolve_run(store, run_b)
        compared = compare_runs(store, first, second, np.random.default_rng(seed))
    if as_json:
        typer.echo(json.dumps(compared.to_json(), indent=2))
        return
    Console().print(_compare_text(compared), highlight=False, markup=False, soft_wrap=True)


def _compare_text(compared: RunComparison) -> str:
    data = compared.to_json()
    interval = ("n/a (fewer than 2 paired tasks)" if data["lower"] is None
                else f"[{data['lower']:+.1%}, {data['upper']:+.1%}]")
    lines = [f"A  {data['run_a']}  {data['model_a'] or '(samples)'} on {data['suite_a']}",
             f"B  {data['run_b']}  {data['model_b'] or '(samples)'} on {data['suite_b']}",
             f"paired tasks: {data['tasks']}"
             + (f" ({data['private_tasks']} private, not named)" if data["private_tasks"]
                else "")
             + (f"; {data['unpaired']} answered by one run only, left out"
                if data["unpaired"] else ""),
             f"pass@1  A {data['pass_at_1_a']:.1%}  B {data['pass_at_1_b']:.1%}",
             f"B - A   {data['diff']:+.1%}  95% paired interval {interval}"]
    for word in ("gained", "lost"):
        names = data[word]
        hidden = data[f"{word}_count"] - len(names)
        shown = ", ".join(names) + (f" and {hidden} private" if hidden else "")
        lines.append(f"{word} by B ({data[f'{word}_count']}): {shown or '-'}")
    return "\n".join(lines)


app = typer.Typer(name="runs", help="Recorded evaluation runs; compare two of them.")
CALLBACK = runs_command
COMMANDS = {"compare": compare_command}
