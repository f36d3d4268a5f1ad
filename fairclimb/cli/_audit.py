"""fairclimb audit contamination: recompute a dataset's contamination report."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.audit import audit_contamination
from fairclimb.cli._common import DbOption, whole_table
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


app = typer.Typer(name="audit", help="Audits: check what other parts decided.",
                  no_args_is_help=True)
COMMANDS = {"contamination": contamination_command}
