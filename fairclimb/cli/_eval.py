"""fairclimb eval: check a samples file against a suite, or the suite's own references."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.cli._common import (
    DbOption,
    SandboxOption,
    TimeoutOption,
    WorkersOption,
    eval_options,
    progress_bar,
)
from fairclimb.errors import UserInputError
from fairclimb.evaluate import (
    ReferenceCheck,
    check_references,
    evaluate,
    plan_evaluation,
    render_summary,
)
from fairclimb.settings import load_settings
from fairclimb.store import Store


def eval_command(
    suite: Annotated[str, typer.Option("--suite", "-s", help="Suite name.")] = "humaneval",
    samples: Annotated[Path | None, typer.Option(
        "--samples", help="Samples JSONL: task_id plus completion or solution.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output directory (results.jsonl, summary.json); reruns resume.")
    ] = None,
    check_refs: Annotated[bool, typer.Option(
        "--check-references", help="Run the suite's reference solutions (a self-check).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    workers: WorkersOption = None,
    timeout: TimeoutOption = None,
    sandbox: SandboxOption = None,
    db: DbOption = None,
) -> None:
    """Execute samples in the sandbox and report pass@k with confidence intervals."""
    settings = load_settings(workers=workers, timeout=timeout, sandbox=sandbox, db=db)
    options = eval_options(settings)
    console = Console(stderr=as_json)
    if check_refs:
        with progress_bar(Console(stderr=True), f"{suite} references") as update:
            report = check_references(suite, options, update)
        _print_reference_check(report, console, as_json)
        if report.failures:
            raise typer.Exit(1)
        return
    if samples is None or out is None:
        raise UserInputError("eval needs --samples FILE and --out DIR (or --check-references)")
    plan = plan_evaluation(suite, samples, out, options)
    with Store.open(settings.db) as store, \
            progress_bar(Console(stderr=True), suite) as update:
        outcome = evaluate(plan, store, update)
    if as_json:
        typer.echo(json.dumps(outcome.summary.to_json(), indent=2))
        return
    if outcome.resumed:
        console.print(f"resumed: {outcome.resumed} samples were already checked")
    render_summary(outcome.summary, console)
    console.print(f"results: {out / 'results.jsonl'}   summary: {out / 'summary.json'}")


def _print_reference_check(report: ReferenceCheck, console: Console, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({
            "suite": report.suite, "total": report.total, "passed": report.passed,
            "failures": [{"task_id": t, "status": v.status.value, "detail": v.detail}
                         for t, v in report.failures],
        }, indent=2))
        return
    colour = "green" if not report.failures else "red"
    console.print(f"[{colour}]{report.suite}: {report.passed}/{report.total} reference "
                  f"solutions pass their own tests[/]")
    for task_id, verdict in report.failures:
        console.print(f"  {task_id}: {verdict.status.value}: {verdict.detail}", markup=False)
    if report.sandbox_warning:
        console.print(f"[yellow]warning: {report.sandbox_warning}[/]")


COMMANDS = {"eval": eval_command}
