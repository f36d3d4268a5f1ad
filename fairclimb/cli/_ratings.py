"""fairclimb ratings: Bradley-Terry ratings with intervals and rank ranges from battles."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.arena import (
    CiMethod,
    Regularize,
    parse_anchor,
    rate_battle_file,
    ratings_from_store,
    render_ratings_svg,
)
from fairclimb.cli._options import DbOption, whole_table
from fairclimb.settings import load_settings


def ratings_command(
    battles: Annotated[Path | None, typer.Option(
        "--battles", help="Battle file (FastChat format: JSONL, a JSON list, or Parquet "
        "with the same columns); without it, the arena's stored votes (--db).")] = None,
    bootstrap: Annotated[int | None, typer.Option(
        "--bootstrap", min=2, help="Bootstrap rounds (default: the ratings_bootstrap "
        "setting, 1000).")] = None,
    ci: Annotated[CiMethod, typer.Option("--ci", help="bootstrap or sandwich.")] = (
        CiMethod.BOOTSTRAP),
    category: Annotated[str | None, typer.Option("--category", help="Only this task kind.")
                        ] = None,
    language: Annotated[str | None, typer.Option("--language", help="Only this language.")
                        ] = None,
    anchor: Annotated[str | None, typer.Option(
        "--anchor", help="MODEL=RATING pins one model (default: mean rating 1000).")] = None,
    min_votes: Annotated[int | None, typer.Option(
        "--min-votes", min=0, help="Fewer battles than this: provisional (default: the "
        "ratings_min_votes setting, 50).")] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Bootstrap seed (default: the ratings_seed setting, 0).")] = None,
    regularize: Annotated[Regularize, typer.Option(
        "--regularize", help="fastchat (its L2 ridge, default) or none (plain MLE).")] = (
        Regularize.FASTCHAT),
    weighted: Annotated[bool, typer.Option(
        "--weighted", help="Weight battles by inverse pair-sampling probability.")] = False,
    style: Annotated[bool, typer.Option(
        "--style", help="Style control: answer length and comment density as covariates.")
                     ] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print JSON: n_battles, models, warnings, robustness.")] = False,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write an SVG plot here.")
                    ] = None,
    db: DbOption = None,
) -> None:
    """Rate models from arena battles: Bradley-Terry, 95% intervals, rank ranges."""
    settings = load_settings(db=db, ratings_bootstrap=bootstrap, ratings_min_votes=min_votes,
                             ratings_seed=seed)
    options = dataclasses.replace(
        settings.rating_options(), ci=ci, category=category, language=language,
        anchor=parse_anchor(anchor) if anchor else None, regularize=regularize,
        weighted=weighted, style=style)
    if battles is None:  # the arena's own votes; flagged ones are left out, in a note
        from fairclimb.arena import Arena  # the store: not imported to rate a file
        from fairclimb.store import Store

        with Store.open(settings.db) as store:
            result = ratings_from_store(Arena(store), options)
    else:
        result = rate_battle_file(battles, options)
    if plot is not None:
        plot.write_text(render_ratings_svg(result.models), encoding="utf-8")
    if as_json:  # the same keys as /api/leaderboard: warnings travel with the numbers
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    table = whole_table("rank", "model", "rating", "95% interval", "battles", title=(
        f"{result.n_battles} battles, {ci.value} intervals"))
    for m in result.models:
        table.add_row(f"{m.rank_lower}-{m.rank_upper}" if m.rank_upper > m.rank_lower
                      else str(m.rank), m.model + (" (provisional)" if m.provisional else ""),
                      f"{m.rating:.0f}", f"{m.lower:.0f} to {m.upper:.0f}", str(m.battles))
    console = Console()
    console.print(table)
    for s in result.style:
        console.print(f"style {s.feature}: {s.coefficient:+.1f} points per sd "
                      f"({s.lower:+.1f} to {s.upper:+.1f})", highlight=False)
    if result.robustness is not None:
        console.print(result.robustness.sentence, highlight=False)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


COMMANDS = {"ratings": ratings_command}
