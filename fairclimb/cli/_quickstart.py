"""fairclimb quickstart: the self-check, then an example evaluation, on embedded defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.cli._common import DbOption, WorkersOption, eval_options, progress_bar
from fairclimb.evaluate import render_summary
from fairclimb.quickstart import run_quickstart
from fairclimb.settings import STORE_FILE, find_project, load_settings


def quickstart_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the example run.")
                   ] = Path("fairclimb-quickstart"),
    workers: WorkersOption = None,
    db: DbOption = None,
    serve_arena: Annotated[bool, typer.Option(
        "--serve-arena", help="Then serve the demo arena until Ctrl-C.")] = False,
    port: Annotated[int, typer.Option("--port", help="Port of the demo arena.")] = 8000,
) -> None:
    """Check the harness on HumanEval's references, then evaluate the shipped examples."""
    if db is None and find_project() is None:
        db = STORE_FILE  # like git init: the quickstart makes this directory a project
    settings = load_settings(workers=workers, db=db)
    console = Console()
    with progress_bar(console, "quickstart") as update:
        result = run_quickstart(out, eval_options(settings), settings.db, update)
    check = result.reference_check
    colour = "green" if not check.failures else "red"
    console.print(f"[{colour}]self-check: {check.passed}/{check.total} {check.suite} reference "
                  "solutions pass their own tests[/]")
    console.print(f"example samples: {result.samples_path}")
    render_summary(result.outcome.summary, console)
    console.print(f"per-sample verdicts: {out / 'results.jsonl'}")
    for example in result.optimize:
        score = ("no speed score" if example.speed_score is None else
                 f"speed score {example.speed_score:.2f} ({example.cost_measure} "
                 f"{example.cost:.4f}; 0 = slow reference, 1 = fast reference)")
        console.print(f"optimize example {example.task_id} [{example.note}]: "
                      f"{example.status}, {score}", markup=False)
    demo = result.arena
    console.print(f"demo arena: {demo.answers} answers ('demo: reference' vs 'demo: mutant') "
                  f"in {demo.db}; start it with: fairclimb arena serve --db {demo.db} --port "
                  f"{port}, open http://127.0.0.1:{port}/ and sign in as {demo.admin} with "
                  f"password {demo.password}", highlight=False, soft_wrap=True)
    if result.debug_outcome is not None:
        console.print("debug example: each bug handed back unchanged, then fixed")
        render_summary(result.debug_outcome.summary, console)
        console.print(f"per-sample verdicts, with fix_distance: "
                      f"{result.debug_outcome.out_dir / 'results.jsonl'}")
    if check.failures:
        raise typer.Exit(1)
    if serve_arena:
        from fairclimb.web import serve

        serve(str(demo.db), port=port)


COMMANDS = {"quickstart": quickstart_command}
