"""fairclimb audit contamination | memorisation | votes | arena | boards: recompute a
dataset's contamination report, probe a model for memorisation of a suite, check the
arena's tamper-evident vote log, audit it against the Leaderboard Illusion, and explain
why two leaderboards disagree."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.arena import Arena, Battle, RatingOptions, read_battles
from fairclimb.audit import (
    MemorisationOptions,
    MemorisationReport,
    audit_arena,
    audit_contamination,
    audit_memorisation,
    compare_boards,
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
from fairclimb.store import ArenaStore, Store


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


def arena_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Also write arena-audit.json into this folder.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulation.")] = 0,
    db: DbOption = None,
) -> None:
    """Per provider: variants tested privately and published, each model's share of
    battles against the equal share, votes, and each published model's expected
    best-of-N inflation with the rank it would have had without selection."""
    with Store.open(load_settings(db=db).db) as store:
        audit = audit_arena(Arena(store), seed)
    body = json.dumps(audit.to_json(), indent=2)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "arena-audit.json").write_text(body + "\n", encoding="utf-8")
    if as_json:
        typer.echo(body)
        return
    console = Console()
    table = whole_table("provider", "tested", "published", "hidden", "battle share", "equal share")
    for p in audit.providers:
        table.add_row(p.provider, str(p.tested), str(p.published), str(p.hidden),
                      f"{p.battle_share:.1%}", f"{p.equal_share:.1%}")
    console.print(table)
    models = whole_table("model", "provider", "hidden", "votes", "share", "rating", "rank",
                   "inflation", "rank w/o selection")
    for m in audit.models:
        models.add_row(m.model, m.provider, "yes" if m.hidden else "", str(m.votes),
                       f"{m.battle_share:.1%}", _num(m.rating), _num(m.rank),
                       _num(m.inflation, "+.1f"), _num(m.rank_without_selection))
    console.print(models)
    console.print(f"policy: at most {audit.max_private_variants} private variants per "
                  "provider", highlight=False)


def _num(value: float | None, spec: str = ".0f") -> str:
    return "-" if value is None else format(value, spec)


def boards_command(
    board_a: Annotated[str, typer.Argument(
        help="A battle file (FastChat format, JSON or JSONL), or 'store' for the arena's.")],
    board_b: Annotated[str, typer.Argument(help="The other board, likewise.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    bootstrap: Annotated[int, typer.Option(
        "--bootstrap", min=10, help="Bootstrap rounds of each board's intervals.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstraps.")] = 0,
    db: DbOption = None,
) -> None:
    """Why two boards disagree: rank correlation over shared models, models whose rank
    ranges do not overlap, and the gap left after a common prompt mix or style control."""
    first, second = _board(board_a, db), _board(board_b, db)
    result = compare_boards(first, second, RatingOptions(bootstrap=bootstrap, seed=seed), seed)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    table = whole_table("model", "rank A", "range A", "rank B", "range B", "disagree")
    for m in result.models:
        table.add_row(m.model, str(m.rank_a), "{}-{}".format(*m.rank_a_range), str(m.rank_b),
                      "{}-{}".format(*m.rank_b_range), "yes" if m.disagree else "")
    console = Console()
    console.print(table)
    low, high = result.kendall_interval
    console.print(
        f"Kendall tau {result.kendall:.2f} (95% {low:.2f} to {high:.2f}), Spearman rho "
        f"{result.spearman:.2f} over {len(result.shared)} shared models; common prompt "
        f"mix: tau {result.kendall_common_mix:.2f} ({result.explained_by_mix:+.0%} of the "
        f"gap); style control: tau {result.kendall_style_control:.2f} "
        f"({result.explained_by_style:+.0%})", highlight=False)


def _board(name: str, db: str | None) -> list[Battle]:
    if name == "store":
        with Store.open(load_settings(db=db).db) as store:
            return Arena(store).rating_battles()
    return read_battles(Path(name))


def votes_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Recompute the arena's vote log: each vote's hash covers its content and the
    previous vote's hash.

    Exits 1, naming the first broken link, when a vote row was edited, deleted or
    inserted out of order outside the arena."""
    with Store.open(load_settings(db=db).db) as store:
        report = ArenaStore(store).verify_vote_chain()
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    elif report.intact:
        Console().print(f"vote log intact: {report.votes} votes, head sha256 "
                        f"{report.head.head}", highlight=False)
    else:
        Console(stderr=True).print(f"vote log broken at {report.broken}", highlight=False)
    if not report.intact:
        raise typer.Exit(1)


app = typer.Typer(name="audit", help="Audits: check what other parts decided.",
                  no_args_is_help=True)
COMMANDS = {"contamination": contamination_command, "memorisation": memorisation_command,
            "votes": votes_command, "arena": arena_command, "boards": boards_command}
