"""fairclimb arena serve|add-admin|add-rater|briefing|import|import-generations|token …."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.arena import (
    Arena,
    ExecutionReport,
    ExportOptions,
    GenerationFilter,
    Role,
    read_samples_file,
)
from fairclimb.cli._arena_policy import POLICY_COMMANDS
from fairclimb.cli._common import (
    DbOption,
    ExecutorOption,
    RayAddressOption,
    SandboxOption,
    TimeoutOption,
    WorkersOption,
    eval_options,
)
from fairclimb.executor import reach
from fairclimb.settings import load_settings
from fairclimb.store import Store

PasswordOption = Annotated[str | None, typer.Option(
    "--password", envvar="FAIRCLIMB_ARENA_PASSWORD", show_envvar=True,
    help="The password (asked for when left out; 10 characters or more).")]
BaseUrlOption = Annotated[str, typer.Option(
    "--base-url", help="Where raters reach the arena, for invite links.")]


def serve_command(
    db: DbOption = None,
    host: Annotated[str | None, typer.Option(
        "--host", help="Interface to listen on (default: the arena_host setting, "
        "127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(
        "--port", min=1, max=65535, help="Port (default: the arena_port setting, 8000).")
    ] = None,
    secure_cookies: Annotated[bool | None, typer.Option(
        "--secure-cookies", help="Mark cookies Secure (serve behind https).")] = None,
    votes_per_minute: Annotated[int | None, typer.Option(
        "--votes-per-minute", min=1, help="Per-rater vote limit (default: the "
        "arena_votes_per_minute setting, 30).")] = None,
    public_url: Annotated[str | None, typer.Option(
        "--public-url", help="Where raters reach the arena (https://arena.example.org), "
        "for invite links; the Host header is never trusted.")] = None,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        "--forwarded-allow-ips", help="The reverse proxy's address(es), comma-separated: "
        "their X-Forwarded-For names the client (sign-in limits per address).")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, max=64, help="Server processes sharing the port (limits and "
        "counts are kept in the database); PostgreSQL is the store for several.")] = 1,
) -> None:
    """Run the arena web app (SQLite in WAL mode by default; PostgreSQL with --db).
    Every option not given comes from the settings (fairclimb config shows them)."""
    from fairclimb._verbs import serve_arena

    settings = load_settings(
        db=db, arena_host=host, arena_port=port, arena_secure_cookies=secure_cookies,
        arena_votes_per_minute=votes_per_minute, arena_public_url=public_url,
        arena_forwarded_allow_ips=forwarded_allow_ips)
    processes = f", {workers} workers" if workers > 1 else ""
    Console().print(f"arena on http://{settings.arena_host}:{settings.arena_port} (store "
                    f"{settings.db}{processes}); Ctrl-C stops it", highlight=False)
    serve_arena(settings=settings, environ=os.environ,  # API keys of live-battle models
                workers=workers)


def add_admin_command(
    username: Annotated[str, typer.Argument(help="The admin's username.")],
    password: PasswordOption = None,
    db: DbOption = None,
) -> None:
    """Create an admin account (the first one bootstraps the arena)."""
    _add(username, password, Role.ADMIN, db)


def add_rater_command(
    username: Annotated[str | None, typer.Argument(
        help="The rater's username; leave out with --invite.")] = None,
    password: PasswordOption = None,
    invite: Annotated[bool, typer.Option(
        "--invite", help="Print a single-use invite link instead; the rater chooses "
        "their username and password.")] = False,
    base_url: BaseUrlOption = "http://127.0.0.1:8000",
    db: DbOption = None,
) -> None:
    """Create a rater account, or an invite link for one."""
    if invite:
        with Store.open(load_settings(db=db).db) as store:
            token = Arena(store).accounts.invite(Role.RATER)
        typer.echo(f"{base_url.rstrip('/')}/invite/{token}")
        return
    if not username:
        raise typer.BadParameter("give a USERNAME, or --invite for an invite link")
    _add(username, password, Role.RATER, db)


def briefing_command(
    pay: Annotated[float, typer.Option("--pay", min=0, help="Pay per hour on tasks.")],
    currency: Annotated[str, typer.Option("--currency")] = "USD",
    recipients: Annotated[str | None, typer.Option(
        "--recipients", help="Who receives the votes and labels.")] = None,
    db: DbOption = None,
) -> None:
    """Publish a new briefing version (raters accept it before their next task)."""
    with Store.open(load_settings(db=db).db) as store:
        version = Arena(store).briefing.publish(pay, currency, recipients)
    Console().print(f"published briefing version {version}", highlight=False)


def import_generations_command(
    model: Annotated[str | None, typer.Option("--model", "-m",
                                              help="Only this model's answers.")] = None,
    suite: Annotated[str | None, typer.Option("--suite", "-s",
                                              help="Only answers to this suite's tasks.")] = None,
    run: Annotated[Path | None, typer.Option(
        "--run", help="Only the answers of this 'fairclimb generate' output directory.")] = None,
    run_tests: Annotated[bool, typer.Option(
        "--run-tests/--no-run-tests",
        help="Then run the answers against their tasks' tests (verdicts for raters "
        "after the vote, and for gold checks).")] = True,
    db: DbOption = None,
    executor: ExecutorOption = None, ray_address: RayAddressOption = None,
) -> None:
    """Make the store's generations (fairclimb generate) answers the arena can show:
    raters see the task's prompt and the extracted code, not our instruction and the
    raw reply."""
    settings = load_settings(db=db, executor=executor, ray_address=ray_address)
    if run_tests:  # a cluster that does not answer: before the store is opened
        reach(settings.executor_choice())
    with Store.open(settings.db) as store:
        arena = Arena(store)
        done = arena.import_generations(GenerationFilter(model, suite, run))
        Console().print(f"imported {done.added} new answers ({done.matched} matched a "
                        f"task; {done.unmatched} calls matched no task and were left out)",
                        highlight=False)
        if run_tests:
            _print_tests(arena.execute_answers(eval_options(settings)))


def import_command(
    file: Annotated[Path, typer.Argument(
        help="JSONL, one answer a line: model, prompt, answer; optional suite, task_id, "
        "language, kind, passed.")],
    db: DbOption = None,
) -> None:
    """Import answers to compare from a JSONL file (all or none; repeats are skipped)."""
    samples = read_samples_file(file)
    with Store.open(load_settings(db=db).db) as store:
        added = Arena(store).import_samples(samples)
    Console().print(f"imported {added} new answers of {len(samples)} in {file}",
                    highlight=False)


def token_create_command(
    name: Annotated[str, typer.Argument(help="Who or what uses the token (a label).")],
    db: DbOption = None,
) -> None:
    """Create an API token for scripts (POST /api/samples, GET /api/votes); it is
    printed once and stored only as a hash."""
    if not name.strip():
        raise typer.BadParameter("give the token a NAME, e.g. the script that uses it")
    with Store.open(load_settings(db=db).db) as store:
        token = Arena(store).accounts.api_token(name.strip())
    Console(stderr=True).print(f"API token {name.strip()!r} (shown once; send it as "
                               "'Authorization: Bearer TOKEN'):", highlight=False)
    typer.echo(token)


def run_tests_command(
    workers: WorkersOption = None,
    timeout: TimeoutOption = None,
    sandbox: SandboxOption = None,
    db: DbOption = None,
    executor: ExecutorOption = None, ray_address: RayAddressOption = None,
) -> None:
    """Run answers to suite tasks (Python, JavaScript) against the tasks' tests in the
    sandbox and store the verdicts: raters see them after the vote, gold checks use them."""
    settings = load_settings(workers=workers, timeout=timeout, sandbox=sandbox, db=db,
                             executor=executor, ray_address=ray_address)
    options = eval_options(settings)
    reach(options.executor)  # a cluster that does not answer: before the store is opened
    with Store.open(settings.db) as store:
        _print_tests(Arena(store).execute_answers(options))


def _print_tests(report: ExecutionReport) -> None:
    console = Console()
    for line in report.skipped:
        console.print(f"[yellow]skipped {line}[/]", highlight=False)
    console.print(f"ran {report.executed} answers: {report.passed} passed, "
                  f"{report.executed - report.passed} failed", highlight=False)


def enable_model_command(
    name: Annotated[str, typer.Argument(help="A registered model (fairclimb models add).")],
    disable: Annotated[bool, typer.Option(
        "--disable", help="Take the model out of live battles instead.")] = False,
    db: DbOption = None,
) -> None:
    """Let a registered model answer raters' prompts in live battles (or stop it)."""
    with Store.open(load_settings(db=db).db) as store:
        enabled = Arena(store).live.set_enabled(name, not disable)
    Console().print(f"models in live battles: {', '.join(enabled) or 'none'}",
                    highlight=False)


def enable_suite_command(
    name: Annotated[str, typer.Argument(help="A suite (fairclimb suites list).")],
    disable: Annotated[bool, typer.Option(
        "--disable", help="Stop drawing live tasks from it instead.")] = False,
    db: DbOption = None,
) -> None:
    """Let raters draw live tasks from a suite (answered live by the enabled models and
    run against the task's tests), or stop it."""
    with Store.open(load_settings(db=db).db) as store:
        enabled = Arena(store).live_suites.set_enabled(name, not disable)
    Console().print(f"suites for drawn live tasks: {', '.join(enabled) or 'none'}",
                    highlight=False)


def export_votes_command(
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write here instead of standard output.")] = None,
    include_excluded: Annotated[bool, typer.Option(
        "--all", help="Also the votes quality control excluded (marked, with the reason).")
    ] = False,
    rich: Annotated[bool, typer.Option(
        "--rich", help="Add each vote's error labels, comment and correction.")] = False,
    db: DbOption = None,
) -> None:
    """Counted votes as a JSON list in the battle format FastChat's analysis reads
    (question_id, turn, anony, conversation_a/b); fairclimb ratings reads it too."""
    with Store.open(load_settings(db=db).db) as store:
        arena = Arena(store)
        rows = arena.export_votes(ExportOptions(include_excluded, rich))
        head = arena.data.vote_chain_head()
    # The rows stay in FastChat's format; the chain head goes beside them (stderr).
    Console(stderr=True).print(f"vote log head: {head.votes} votes, sha256 {head.head}",
                               highlight=False)
    if out is None:
        typer.echo(json.dumps(rows, indent=1, ensure_ascii=False))
    else:
        out.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        Console(stderr=True).print(f"wrote {len(rows)} votes to {out}", highlight=False)


def _add(username: str, password: str | None, role: Role, db: str | None) -> None:
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with Store.open(load_settings(db=db).db) as store:
        Arena(store).accounts.create(username, password, role)
    Console().print(f"created {role.value} {username}", highlight=False)


token_app = typer.Typer(name="token", help="API tokens for scripts.", no_args_is_help=True)

app = typer.Typer(name="arena", help="The arena: raters vote between two anonymous answers.",
                  no_args_is_help=True)
COMMANDS = {"serve": serve_command, "add-admin": add_admin_command,
            "add-rater": add_rater_command, "briefing": briefing_command,
            "import": import_command,
            "import-generations": import_generations_command,
            "run-tests": run_tests_command,
            "enable-model": enable_model_command,
            "enable-suite": enable_suite_command,
            "export-votes": export_votes_command, **POLICY_COMMANDS}
SUBGROUPS = ((token_app, {"create": token_create_command}),)
