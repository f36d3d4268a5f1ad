"""fairclimb arena hide-model | policy | export-sampling: what the board shows, the cap
on a provider's private variants, and how every battle's pair was drawn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairclimb.arena import Visibility
from fairclimb.cli._common import DbOption
from fairclimb.settings import load_settings
from fairclimb.store import ArenaStore, Store


def hide_model_command(
    name: Annotated[str, typer.Argument(help="The arena model to hide from the board.")],
    show: Annotated[bool, typer.Option(
        "--show", help="Publish it again instead.")] = False,
    db: DbOption = None,
) -> None:
    """Hide a model from the leaderboard (a private variant): a flag, never a deletion;
    its votes stay in the store, the ratings and the exports."""
    with Store.open(load_settings(db=db).db) as store:
        visibility = Visibility(ArenaStore(store))
        visibility.hide_model(name, hidden=not show)
        hidden = sorted(visibility.hidden_models())
    Console().print(f"hidden from the board: {', '.join(hidden) or 'none'}", highlight=False)


def policy_command(
    max_private_variants: Annotated[int | None, typer.Option(
        "--max-private-variants", min=0, help="How many hidden (private) variants one "
        "provider may hold at once (default 3).")] = None,
    db: DbOption = None,
) -> None:
    """Show or set the arena's policy on private variants."""
    with Store.open(load_settings(db=db).db) as store:
        visibility = Visibility(ArenaStore(store))
        if max_private_variants is not None:
            visibility.set_max_private_variants(max_private_variants)
        cap = visibility.max_private_variants()
    Console().print(f"at most {cap} private variants per provider", highlight=False)


def export_sampling_command(
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write here instead of standard output.")] = None,
    db: DbOption = None,
) -> None:
    """Every battle's pair, the probability it was drawn with, and the policy in force,
    as JSON: what anyone needs to check the sampling was fair."""
    with Store.open(load_settings(db=db).db) as store:
        data = ArenaStore(store)
        visibility = Visibility(data)
        body = {
            "policy": {"max_private_variants": visibility.max_private_variants(),
                       "hidden_models": sorted(visibility.hidden_models())},
            "vote_log_head": _head(data),
            "battles": [{"battle_id": b, "model_a": a, "model_b": m, "probability": p,
                         "served_at": at.isoformat(), "voted": voted}
                        for b, a, m, p, at, voted in data.battle_draws()]}
    text = json.dumps(body, indent=1)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        Console(stderr=True).print(f"wrote {len(body['battles'])} battles to {out}",
                                   highlight=False)


def _head(data: ArenaStore) -> dict[str, object]:
    head = data.vote_chain_head()
    return {"votes": head.votes, "sha256": head.head}


POLICY_COMMANDS = {"hide-model": hide_model_command, "policy": policy_command,
                   "export-sampling": export_sampling_command}
