"""fairclimb audit: recompute a dataset's contamination report; probe a model for
memorisation of a suite."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.audit import (
    MemorisationOptions,
    MemorisationReport,
    audit_contamination,
    audit_memorisation,
)
from fairclimb.cli._common import (
    DbOption,
    SandboxOption,
    TimeoutOption,
    WorkersOption,
    eval_options,
    whole_table,
)
from fairclimb.models import GenerationParams, RetryPolicy, open_backend
from fairclimb.settings import load_settings
from fairclimb.store import Store


def contamination_command(
    dataset: Annotated[str, typer.Argument(help="The dataset to check.")],
    embeddings: Annotated[bool | None, typer.Option(
        "--embeddings/--no-embeddings", help="Also compare prompts by sentence embeddings "
        "(default: as the dataset was checked).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Recompute which records match benchmark tasks and compare with the stored report.

    Exits 1 when the recomputed report differs from the stored one."""
    with Store.open(load_settings(db=db).db) as store:
        audit = audit_contamination(store, dataset, embeddings=embeddings)
    if as_json:
        typer.echo(json.dumps(audit.to_json(), indent=2))
    else:
        table = whole_table("record", "task", "method", "score", "threshold")
        for row in audit.recomputed:
            table.add_row(row.record_id[:12], row.task_id, row.method, f"{row.score:.3f}",
                          f"{row.threshold:.2f}")
        console = Console()
        console.print(table)
        verdict = ("matches the stored report" if audit.matches else
                   f"differs from the stored report: {len(audit.missing)} new, "
                   f"{len(audit.extra)} no longer found")
        console.print(f"{dataset}: {len(audit.recomputed)} matches on "
                      f"{len({r.record_id for r in audit.recomputed})} records; {verdict}",
                      highlight=False)
    if not audit.matches:
        raise typer.Exit(1)


def memorisation_command(
    model: Annotated[str, typer.Option("--model", "-m", help="A registered model.")],
    suite: Annotated[str, typer.Option("--suite", "-s", help="The original suite; its "
                                       "perturbed variant must be built.")] = "humaneval",
    n: Annotated[int, typer.Option("-n", help="Samples per task and wording.")] = 1,
    temperature: Annotated[float, typer.Option("--temperature")] = 0.0,
    max_tokens: Annotated[int, typer.Option("--max-tokens")] = 512,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    min_k: Annotated[float | None, typer.Option(
        "--min-k", help="Also score each canonical solution's Min-K% probability (k, e.g. "
        "0.2) against its perturbed one's; needs prompt logprobs (vLLM).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Keep both runs' samples and results here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    workers: WorkersOption = None, timeout: TimeoutOption = None,
    sandbox: SandboxOption = None, db: DbOption = None,
) -> None:
    """Compare pass@1 on a suite's tasks with pass@1 on their perturbed variants.

    A drop whose 95% interval lies above zero is flagged; the exit code is 0 either way."""
    settings = load_settings(workers=workers, timeout=timeout, sandbox=sandbox, db=db)
    probe = MemorisationOptions(GenerationParams(temperature=temperature,
                                                 max_tokens=max_tokens), n=n, seed=seed,
                                min_k=min_k)
    with Store.open(settings.db) as store, tempfile.TemporaryDirectory() as scratch:
        spec = store.require_model(model)
        report = audit_memorisation(spec, suite, store, eval_options(settings), probe,
                                    lambda: open_backend(spec, os.environ, RetryPolicy()),
                                    out or Path(scratch))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        _render_memorisation(report, Console())


def _render_memorisation(report: MemorisationReport, console: Console) -> None:
    console.print(f"{report.model} on {report.suite}: pass@1 {report.original:.1%} original, "
                  f"{report.perturbed:.1%} perturbed over {len(report.pairs)} tasks "
                  f"(n={report.n}); drop {report.drop:+.1%} "
                  f"[95% CI {report.lower:+.1%}, {report.upper:+.1%}]", highlight=False)
    if report.only_original:
        console.print(f"pass only in their original wording: "
                      f"{', '.join(report.only_original)}", highlight=False)
    if report.min_k is not None:
        mk = report.min_k
        console.print(f"Min-{mk.k:.0%} probability of canonical solutions: original minus "
                      f"perturbed {mk.gap:+.3f} [95% CI {mk.lower:+.3f}, {mk.upper:+.3f}]; "
                      f"higher for {mk.higher} of {len(mk.pairs)} tasks", highlight=False)
    if report.flagged:
        console.print("[red]flagged: the drop is significant; the model may have memorised "
                      "this suite (see docs/audit.md)[/]")
    else:
        console.print("[green]not flagged: no significant drop on the perturbed variants[/]")


app = typer.Typer(name="audit", help="Audits: check what other parts decided.",
                  no_args_is_help=True)
COMMANDS = {"contamination": contamination_command, "memorisation": memorisation_command}
