"""fairclimb ladder: boards for private testing (create, submit, show)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fairclimb.cli._common import (
    DbOption,
    SandboxOption,
    TimeoutOption,
    WorkersOption,
    eval_options,
    progress_bar,
)
from fairclimb.errors import UserInputError
from fairclimb.ladder import (
    BoardMode,
    BoardView,
    ModelAnswers,
    Submission,
    create_board,
    show_board,
    submit_model,
    submit_samples,
)
from fairclimb.models import GenerationParams, RetryPolicy, open_backend
from fairclimb.settings import load_settings
from fairclimb.store import Store
from fairclimb.suites import Split

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def create_command(
    name: Annotated[str, typer.Argument(help="The new board's name.")],
    suite: Annotated[str, typer.Option("--suite", "-s", help="The suite it scores.")],
    split: Annotated[Split, typer.Option("--split", help="Which of its tasks it scores "
                                         "(hidden from teams).")] = Split.PRIVATE,
    naive: Annotated[bool, typer.Option("--naive", help="Release the exact score every "
                                        "time (for comparison; adaptive resubmission "
                                        "climbs it).")] = False,
    max_per_day: Annotated[int, typer.Option("--max-per-day", help="Submissions a team may "
                                             "make per UTC day.")] = 10,
    db: DbOption = None,
) -> None:
    """Create a board that scores a suite's hidden tasks."""
    mode = BoardMode.NAIVE if naive else BoardMode.LADDER
    with Store.open(load_settings(db=db).db) as store:
        board = create_board(store, name, suite, split=split, mode=mode,
                             max_per_day=max_per_day)
    typer.echo(f"created the {board.mode.value} board {board.name}: {len(board.task_ids)} "
               f"{board.split.value} tasks of {board.suite}, {board.max_per_day} submissions "
               "per team per day")


def submit_command(
    name: Annotated[str, typer.Argument(help="The board.")],
    team: Annotated[str, typer.Option("--team", "-t", help="The submitting team.")],
    samples: Annotated[Path | None, typer.Option(
        "--samples", help="Answers to the board's tasks (JSONL).")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", "-m", help="Or: draw the answers from this registered model.")] = None,
    n: Annotated[int, typer.Option("-n", help="With --model: samples per task.")] = 1,
    temperature: Annotated[float, typer.Option("--temperature")] = 0.0,
    max_tokens: Annotated[int, typer.Option("--max-tokens")] = 512,
    as_json: JsonOption = False,
    workers: WorkersOption = None, timeout: TimeoutOption = None,
    sandbox: SandboxOption = None, db: DbOption = None,
) -> None:
    """Submit answers; the board shows the released score only, never per-task results."""
    if samples is not None and model is not None:
        raise UserInputError("ladder submit takes one of --samples or --model, not both")
    if samples is None and model is None:
        raise UserInputError("ladder submit needs one of --samples FILE or --model NAME")
    settings = load_settings(workers=workers, timeout=timeout, sandbox=sandbox, db=db)
    options = eval_options(settings)
    with Store.open(settings.db) as store, \
            progress_bar(Console(stderr=True), f"{team} on {name}", lazy=True) as update:
        if samples is not None:
            result = submit_samples(store, name, team, samples, options, update)
        else:
            assert model is not None
            spec = store.require_model(model)
            answers = ModelAnswers(spec, GenerationParams(temperature=temperature,
                                                          max_tokens=max_tokens),
                                   lambda: open_backend(spec, os.environ, RetryPolicy()), n=n)
            result = submit_model(store, name, team, answers, options, update)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
    else:
        _render_submission(result)


def show_command(
    name: Annotated[str, typer.Argument(help="The board.")],
    as_json: JsonOption = False, db: DbOption = None,
) -> None:
    """List the board's teams, their submissions and released scores."""
    with Store.open(load_settings(db=db).db) as store:
        view = show_board(store, name)
    if as_json:
        typer.echo(json.dumps(view.to_json(), indent=2))
    else:
        _render_board(view, Console())


def _render_submission(result: Submission) -> None:
    verdict = ("a new best" if result.improved else
               "not better than the team's best by more than the board's step; its best "
               "is repeated")
    typer.echo(f"{result.team}, submission {result.submission} to {result.board}: released "
               f"score {result.released_score:.4f} ({verdict})")


def _render_board(view: BoardView, console: Console) -> None:
    board = view.board
    console.print(f"{board.name}: {board.mode.value} board over {len(board.task_ids)} "
                  f"{board.split.value} tasks of {board.suite}", highlight=False)
    table = Table("rank", "team", "released score", "submissions",
                  "released per submission (* a new best)")
    for rank, standing in enumerate(view.standings, start=1):
        history = ", ".join(f"{number}: {released:.4f}{'*' if improved else ''}"
                            for number, released, improved, _ in standing.history)
        table.add_row(str(rank), standing.team, f"{standing.released_score:.4f}",
                      str(standing.submissions), history)
    console.print(table)


app = typer.Typer(name="ladder", help="Boards for private testing that adaptive "
                  "resubmission cannot climb.", no_args_is_help=True)
COMMANDS = {"create": create_command, "submit": submit_command, "show": show_command}
