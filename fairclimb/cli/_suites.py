"""fairclimb suites: list suites, build debug suites, check test adequacy, show a task."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fairclimb.cli._common import (
    DbOption,
    ExecutorOption,
    RayAddressOption,
    SandboxOption,
    TimeoutOption,
    WorkersOption,
    eval_options,
    progress_bar,
    suite_store,
)
from fairclimb.errors import UserInputError
from fairclimb.evaluate import ProgramJudge, require_references_pass
from fairclimb.settings import load_settings
from fairclimb.store import Store
from fairclimb.suites import (
    AdequacyOptions,
    AdequacyReport,
    DebugBuildOptions,
    PerturbBuild,
    Split,
    Suite,
    Task,
    add_suite,
    build_debug_suite,
    build_perturbed_suite,
    check_adequacy,
    describe_suites,
    find_task,
    get_suite,
    list_suites,
    read_tasks,
    task_to_fields,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def suites_command(ctx: typer.Context, as_json: JsonOption = False, db: DbOption = None) -> None:
    """List suites with their size, task kinds, languages, splits and origin."""
    if ctx.invoked_subcommand is not None:
        return
    with suite_store(load_settings(db=db).db) as store:
        rows = describe_suites(store)
    if as_json:
        typer.echo(json.dumps([row.to_json() for row in rows], indent=2))
        return
    # Facts in the table, descriptions below it: together they do not fit a terminal's
    # width, and a truncated suite name could not be typed back.
    table = Table()
    table.add_column("suite", no_wrap=True)
    for header in ("size", "kinds", "languages", "splits", "origin"):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(row.name, str(row.size), ", ".join(row.kinds), ", ".join(row.languages),
                      ", ".join(row.splits), Text(row.origin))
    console = Console()
    console.print(table)
    for row in rows:
        console.print(Text.assemble((row.name, "bold"), ": ", row.description))


def build_command(
    kind: Annotated[str, typer.Argument(help="What to build: debug or perturbed.")],
    source: Annotated[str, typer.Option("--from", help="The suite whose references to use.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the mutant draw or of the "
                                      "renaming and rewording.")] = 0,
    per_task: Annotated[int, typer.Option("--per-task", min=1,
                                          help="Bugs (tasks) per source task.")] = 1,
    workers: WorkersOption = None, timeout: TimeoutOption = None,
    sandbox: SandboxOption = None, db: DbOption = None, as_json: JsonOption = False,
) -> None:
    """Build a suite from another one into the store (debug: one labelled bug per task;
    perturbed: each task renamed and reworded, to probe memorisation)."""
    if kind not in ("debug", "perturbed"):
        raise UserInputError(f"cannot build {kind!r} suites; the kinds fairclimb builds are "
                             "debug and perturbed")
    settings = load_settings(workers=workers, timeout=timeout, sandbox=sandbox, db=db)
    if kind == "perturbed":
        with Store.open(settings.db) as store, progress_bar(
                Console(stderr=True), f"building {source}-perturbed", lazy=True) as update:
            perturbed = build_perturbed_suite(source, store, ProgramJudge(eval_options(settings)),
                                              seed,
                                              on_progress=update)
        _render_perturbed(perturbed, settings.db, as_json)
        return
    with Store.open(settings.db) as store, \
            progress_bar(Console(stderr=True), f"building {source}-debug", lazy=True) as update:
        built = build_debug_suite(source, store, ProgramJudge(eval_options(settings)),
                                  DebugBuildOptions(seed=seed, per_task=per_task), update)
    classes = ", ".join(f"{name} {count}" for name, count in built.classes.items())
    Console().print(Text(f"{built.name}: {built.size} debug tasks from {built.source} "
                         f"({classes}); stored in {settings.db}"))
    if built.weak:
        Console().print(Text(
            f"{len(built.weak)} source tasks left out: their tests kill under "
            f"{DebugBuildOptions().adequacy.threshold:.0%} of the reference's mutants "
            f"(fairclimb suites check {built.source}): "
            f"{', '.join(sorted(built.weak)[:10])}{'…' if len(built.weak) > 10 else ''}"))
    if built.skipped:
        Console().print(Text(f"{len(built.skipped)} source tasks gave no task (no mutant "
                             f"failed their tests, or their reference failed): "
                             f"{', '.join(built.skipped[:10])}"
                             f"{'…' if len(built.skipped) > 10 else ''}"))


def _render_perturbed(built: PerturbBuild, db: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(built.to_json(), indent=2))
        return
    console = Console()
    console.print(Text(f"{built.name}: {built.size} of {built.considered} tasks of "
                       f"{built.source} got a variant; stored in {db}"))
    for reason, count in sorted(built.reasons().items()):
        tasks = sorted(t for t, r in built.skipped.items() if r.name.lower() == reason)
        why = built.skipped[tasks[0]].value
        console.print(Text(f"{count} without one: {why}: {', '.join(tasks[:10])}"
                           f"{'…' if len(tasks) > 10 else ''}"))


def check_command(
    name: Annotated[str, typer.Argument(help="The suite to check.")],
    threshold: Annotated[float, typer.Option(
        "--threshold", help="Least share of mutants the tests must kill.")] = 0.9,
    mutants: Annotated[int, typer.Option("--mutants", help="Mutants per task, at most.")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the mutant draw.")] = 0,
    as_json: JsonOption = False,
    workers: WorkersOption = None, timeout: TimeoutOption = None,
    sandbox: SandboxOption = None, db: DbOption = None,
    executor: ExecutorOption = None, ray_address: RayAddressOption = None,
) -> None:
    """The test adequacy gate: references pass, and tests kill their mutants."""
    settings = load_settings(workers=workers, timeout=timeout, sandbox=sandbox, db=db,
                             executor=executor, ray_address=ray_address)
    gate = AdequacyOptions(threshold=threshold, mutants_per_task=mutants, seed=seed)
    with suite_store(settings.db) as store, \
            progress_bar(Console(stderr=True), f"checking {name}", lazy=True) as update:
        report = check_adequacy(name, ProgramJudge(eval_options(settings)), gate, store=store,
                                on_progress=update)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        _render_check(report, Console())
    raise typer.Exit(report.exit_code)


def _render_check(report: AdequacyReport, console: Console) -> None:
    threshold = report.options.threshold
    weak = report.weak
    if weak:
        table = Table("task", "score", "killed", "reference", "surviving mutants",
                      title=Text(f"{report.suite}: tasks below {threshold:.0%}"))
        for task in weak:
            ref = "missing" if task.reference is None else task.reference.status.value
            survivors = "\n".join(f"{m.bug_class.value} (line {m.line}): {m.description}"
                                  for m in task.survivors[:5])
            more = len(task.survivors) - 5
            table.add_row(task.task_id, f"{task.score:.0%}", f"{task.killed}/{task.mutants}",
                          ref, Text(survivors + (f"\n… and {more} more" if more > 0 else "")))
        console.print(table)
    gated = report.gated
    unjudged = len(report.tasks) - len(gated)
    console.print(Text(
        f"{report.suite}: {report.references_passed}/{len(gated)} references pass; mutation "
        f"score {report.mutation_score:.1%} ({sum(t.killed for t in gated)} of "
        f"{sum(t.mutants for t in gated)} mutants killed, at most "
        f"{report.options.mutants_per_task} per task, seed {report.options.seed}); "
        f"{len(weak)} tasks below {threshold:.0%}"))
    if unjudged:
        console.print(Text(f"{unjudged} tasks have no executable tests: judged by people, "
                           "not gated"))
    if report.third_party:
        console.print(Text(
            f"note: {report.suite} is a third-party suite; it is reported on, never altered, "
            "and kept as published so that its scores stay comparable with published ones",
            style="yellow"))
    elif report.passed:
        console.print(Text(f"{report.suite} passes the test adequacy gate", style="green"))
    else:
        console.print(Text(f"{report.suite} fails the test adequacy gate", style="red"))


def add_command(
    name: Annotated[str, typer.Argument(help="The new suite's name.")],
    source: Annotated[Path, typer.Option("--from", help="Tasks JSONL (the format of "
                                         "eval --tasks).")],
    private: Annotated[bool, typer.Option(
        "--private", help="Every task is in the private split (its text stays in the "
        "store).")] = False,
    workers: WorkersOption = None, timeout: TimeoutOption = None,
    sandbox: SandboxOption = None, db: DbOption = None,
) -> None:
    """Store your own tasks file as a named suite (its references must pass its tests)."""
    settings = load_settings(workers=workers, timeout=timeout, sandbox=sandbox, db=db)
    suite = read_tasks(source, name, split=Split.PRIVATE if private else None)
    require_references_pass(suite, eval_options(settings))
    with Store.open(settings.db) as store:
        add_suite(suite, store, {"kind": "file", "from": str(source), "private": private})
    Console().print(Text(f"{name}: {len(suite)} tasks from {source}; stored in "
                         f"{settings.db}"))


def show_command(
    name: Annotated[str, typer.Argument(help="A suite (lists its task ids) or a task, "
                                        "e.g. HumanEval/0.")],
    as_json: JsonOption = False,
    include_private: Annotated[bool, typer.Option(
        "--include-private", help="Show a task of the private split too.")] = False,
    db: DbOption = None,
) -> None:
    """List a suite's task ids, or print one task: prompt, entry point, kind, origin,
    reference and tests."""
    with suite_store(load_settings(db=db).db) as store:
        known = {info.name for info in list_suites(store)}
        if name in known:
            _show_suite(get_suite(name, store), as_json)
            return
        task = find_task(name, store)
    _show_task(task, as_json, include_private)


def _show_suite(suite: Suite, as_json: bool) -> None:
    rows = [{"task_id": t.task_id, "kind": t.kind.value, "language": t.language.value,
             "split": t.split.value, "entry_point": t.entry_point} for t in suite.tasks]
    if as_json:
        typer.echo(json.dumps({"suite": suite.name, "tasks": rows}, indent=2))
        return
    table = Table(title=Text(f"{suite.name}: {len(rows)} tasks"))
    for header in ("task_id", "kind", "language", "split", "entry_point"):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(row[key]) for key in row))
    Console().print(table)


def _show_task(task: Task, as_json: bool, include_private: bool) -> None:
    task_id = task.task_id
    if task.split is Split.PRIVATE and not include_private:
        raise UserInputError(
            f"{task_id} is a private task: its text and tests stay in the store; add "
            "--include-private to show it anyway")
    fields = task_to_fields(task)
    if as_json:
        typer.echo(json.dumps(fields, indent=2, ensure_ascii=False))
        return
    console = Console()
    for key in ("task_id", "suite", "kind", "language", "split", "entry_point", "origin",
                "licence", "created", "bug_class"):
        if fields.get(key):
            console.print(Text(f"{key}: {fields[key]}"))
    for key in ("prompt", "reference", "tests"):
        console.print(Text(f"\n── {key} ──", style="bold"))
        console.print(Text(fields[key].rstrip("\n")), soft_wrap=True)


app = typer.Typer(name="suites", help="Suites: list, add your own, build, check and show tasks.",
                  no_args_is_help=False)
CALLBACK = suites_command
COMMANDS = {"add": add_command, "build": build_command, "check": check_command,
            "show": show_command}
