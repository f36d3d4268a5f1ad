"""fairclimb data list|show|stats|export|card|import-feedback: datasets of records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from fairclimb.arena import import_arena_feedback
from fairclimb.cli._common import (
    DbOption,
    DedupThresholdOption,
    ExecutorOption,
    MinhashThresholdOption,
    NgramThresholdOption,
    RayAddressOption,
    text_or_file,
    whole_table,
)
from fairclimb.data import (
    FORMATS,
    FeedbackOptions,
    curation_params,
    dataset_stats,
    export_dataset,
    import_feedback,
    list_datasets,
    merge_datasets,
    read_votes,
    record_alias,
    show_dataset,
    split_dataset,
    write_card,
)
from fairclimb.errors import UserInputError
from fairclimb.executor import reach
from fairclimb.settings import load_settings
from fairclimb.store import Store

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
NameArg = Annotated[str, typer.Argument(help="The dataset's name.")]


def _store(db: str | None) -> Store:
    return Store.open(load_settings(db=db).db)


def list_command(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List datasets with their kept rows."""
    with _store(db) as store:
        rows = list_datasets(store)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = whole_table("dataset", "offered", "kept", "updated")
    for row in rows:
        table.add_row(row["name"], str(row["offers"]), str(row["kept"]), row["updated_at"])
    Console().print(table)


def show_command(name: NameArg, limit: Annotated[int, typer.Option(
        "--limit", min=0, help="Records to list.")] = 20,
                 as_json: JsonOption = False, db: DbOption = None) -> None:
    """Show a dataset: notes (teachers, overrides), counts and its first records."""
    with _store(db) as store:
        shown = show_dataset(store, name, limit)
    if as_json:
        typer.echo(json.dumps(shown, indent=2))
        return
    console = Console()
    _print_stats(console, shown["stats"], name)
    for teacher in shown["notes"].get("teachers", []):
        console.print(f"teacher {teacher['name']}: terms {teacher['terms']}", highlight=False)
    for override in shown["notes"].get("overrides", []):
        who = override.get("model") or override.get("teacher")  # older notes: "teacher"
        console.print(f"terms override ({who}): {override['reason']}", highlight=False)
    for refusal in shown["notes"].get("gate_refusals", []):
        counts = ", ".join(f"{n} {why}" for why, n in refusal.items() if why != "source")
        console.print(f"refused by the record gate ({refusal['source']}): {counts}",
                      highlight=False)
    table = whole_table("record", "kind", "origin", "status", "task", "reason")
    for row in shown["records"]:
        table.add_row(row["record_id"][:12], row["kind"], row["origin"], row["status"],
                      row["task"] or "-", row["reason"][:60])
    console.print(table)


def _print_stats(console: Console, stats: dict[str, Any], name: str) -> None:
    origins = ", ".join(f"{k} {v}" for k, v in stats["kept_by_origin"].items())
    console.print(
        f"{name}: {stats['generated']} offered, {stats['failed_execution']} failed "
        f"execution, {stats['duplicates']} duplicates, {stats['contaminated']} "
        f"contaminated, {stats['excluded']} excluded; kept {stats['kept']} ({origins}; "
        f"{stats['unverified']} unverified)", highlight=False)


def stats_command(name: NameArg, as_json: JsonOption = False, db: DbOption = None) -> None:
    """Counts: generated, failed_execution, duplicates, contaminated, kept (by origin)."""
    with _store(db) as store:
        stats = dataset_stats(store, name)
    if as_json:
        typer.echo(json.dumps(stats, indent=2))
    else:
        _print_stats(Console(), stats, name)


def export_command(
    name: NameArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help=" | ".join(FORMATS))],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    include_private: Annotated[bool, typer.Option(
        "--include-private", help="Also export records from private suite tasks.")] = False,
    verified_only: Annotated[bool, typer.Option(
        "--verified-only", help="Leave out records that no test checked (votes, unverified "
        "answers).")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Export kept records in a TRL format, provenance in a JSON column."""
    with _store(db) as store:
        outcome = export_dataset(store, name, fmt, out, include_private=include_private,
                                 verified_only=verified_only)
    if as_json:
        typer.echo(json.dumps(outcome.to_json(), indent=2))
        return
    note = (f" ({outcome.private_left_out} private rows left out)"
            if outcome.private_left_out else "")
    Console().print(f"wrote {outcome.rows} rows to {outcome.path}{note}", highlight=False)


def card_command(
    name: NameArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for README.md, "
                                      "records.jsonl and croissant.json.")],
    description: Annotated[str, typer.Option(
        "--description", help="What the dataset is for, TEXT or @FILE (on the card and in "
        "croissant.json).")] = "",
    version: Annotated[str, typer.Option(
        "--version", help="The dataset's version, MAJOR.MINOR.PATCH.")] = "1.0.0",
    db: DbOption = None,
) -> None:
    """Write a dataset card: README.md, the kept public rows and a Croissant-RAI file."""
    text = text_or_file(description, "--description") if description else ""
    with _store(db) as store:
        outcome = write_card(store, name, out, description=text, version=version)
    Console().print(f"wrote {outcome.markdown}, {outcome.records} ({outcome.rows} rows) and "
                    f"{outcome.croissant}", highlight=False)


def import_feedback_command(
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="Dataset to add to.")],
    path: Annotated[Path | None, typer.Argument(
        help="JSONL of votes (see docs/data.md); or --from-arena.")] = None,
    from_arena: Annotated[bool, typer.Option(
        "--from-arena", help="The votes cast in the arena of --db.")] = False,
    keep_ties: Annotated[bool, typer.Option("--keep-ties", help="Keep ties as "
                                            "annotations.")] = False,
    keep_both_bad: Annotated[bool, typer.Option(
        "--keep-both-bad", help="Keep 'both bad' votes as annotations.")] = False,
    licence: Annotated[str, typer.Option("--licence")] = "",
    override_terms: Annotated[list[str] | None, typer.Option(
        "--override-terms", help="A model whose terms forbid training, to let through "
        "anyway (repeatable; needs --reason; recorded in the records and the card).")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the override is "
                                               "lawful.")] = None,
    dedup_threshold: DedupThresholdOption = None,
    ngram_threshold: NgramThresholdOption = None,
    minhash_threshold: MinhashThresholdOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    executor: ExecutorOption = None, ray_address: RayAddressOption = None,
) -> None:
    """Turn votes, labels and corrections into records through the record gate (flagged
    votes, identical pairs and outputs of models whose terms forbid training are left
    out)."""
    if (path is None) != from_arena:
        raise UserInputError("give either a votes file or --from-arena (one of the two)")
    overrides = _overrides(override_terms or [], reason)
    dedup, decontam = curation_params(dedup_threshold, ngram_threshold, minhash_threshold)
    settings = load_settings(db=db, executor=executor, ray_address=ray_address)
    options = FeedbackOptions(keep_ties=keep_ties, keep_both_bad=keep_both_bad,
                              licence=licence, dedup=dedup, decontam=decontam,
                              executor=settings.executor_choice())
    reach(options.executor)  # a cluster that does not answer: before the store is opened
    with Store.open(settings.db) as store:
        if path is None:
            counts = import_arena_feedback(store, dataset, options, overrides)
        else:
            counts = import_feedback(store, read_votes(path), dataset, str(path), options,
                                     overrides=overrides)
    if as_json:
        typer.echo(json.dumps(counts, indent=2))
        return
    console = Console()
    refused = ", ".join(f"{n} {why}" for why, n in counts["refused"].items()) or "none"
    console.print(
        f"{counts['votes']} votes: {counts['flagged_left_out']} flagged and "
        f"{counts['ties_left_out']} ties/both-bad left out; {counts['records']} records, "
        f"refused by the gate: {refused}; {counts['added']} new; dataset {dataset} keeps "
        f"{counts['kept']}", highlight=False)
    for warning in counts["warnings"]:
        Console(stderr=True).print(f"[yellow]warning:[/] {warning}", highlight=False)


def _overrides(models: list[str], reason: str | None) -> dict[str, str]:
    if models and not (reason or "").strip():
        raise UserInputError("--override-terms needs --reason \"...\" saying why training on "
                             "those models' outputs is allowed despite their terms")
    if reason and not models:
        raise UserInputError("--reason is only used with --override-terms MODEL")
    return {model: (reason or "").strip() for model in models}


def alias_command(
    dataset: NameArg,
    served: Annotated[str, typer.Argument(help="The model name the provider reports.")],
    to: Annotated[str, typer.Option("--to", help="The registered model it is.")],
    db: DbOption = None,
) -> None:
    """Map a served model name to a registered model for the record gate of a dataset
    (otherwise a mismatch applies the stricter terms of the two)."""
    with _store(db) as store:
        aliases = record_alias(store, dataset, served, to)
    Console().print(f"dataset {dataset}: served model {served} is {aliases[served]}",
                    highlight=False)


def merge_command(
    datasets: Annotated[list[str], typer.Argument(help="The datasets to merge (two or "
                                                   "more).")],
    into: Annotated[str, typer.Option("--into", help="The new dataset.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Merge datasets into a new one: the same records, curated again over the union (a
    record in two of them is kept once); teachers, overrides and sources carried over."""
    with _store(db) as store:
        outcome = merge_datasets(store, datasets, into)
    if as_json:
        typer.echo(json.dumps(outcome.to_json(), indent=2))
        return
    Console().print(f"dataset {outcome.dataset}: {outcome.added} new offers of "
                    f"{outcome.offered}; keeps {outcome.kept}", highlight=False)


def split_command(
    name: NameArg,
    validation: Annotated[float, typer.Option(
        "--validation", help="Share of the kept rows held out for validation.")] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the draw.")] = 0,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Split the kept rows into NAME-train and NAME-validation, whole prompts to one side
    (rows asking the same prompt never straddle the split)."""
    with _store(db) as store:
        outcomes = split_dataset(store, name, validation, seed)
    if as_json:
        typer.echo(json.dumps([o.to_json() for o in outcomes], indent=2))
        return
    for outcome in outcomes:
        Console().print(f"dataset {outcome.dataset}: {outcome.kept} rows", highlight=False)


app = typer.Typer(name="data", help="Datasets of training records: list, show, stats, "
                  "export, card, import-feedback, alias, merge, split.", no_args_is_help=True)
COMMANDS = {"list": list_command, "show": show_command, "stats": stats_command,
            "export": export_command, "card": card_command,
            "import-feedback": import_feedback_command, "alias": alias_command,
            "merge": merge_command, "split": split_command}
