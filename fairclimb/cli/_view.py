"""fairclimb view: a local, read-only web UI over the store's runs and datasets."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from fairclimb.cli._common import DbOption
from fairclimb.errors import UserInputError
from fairclimb.settings import load_settings
from fairclimb.store import store_exists


def view_command(
    host: Annotated[str, typer.Option(
        "--host", help="Address to listen on; loopback by default (nothing to sign in to, "
        "so anyone who can reach it can read the store).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535)] = 8001,
    db: DbOption = None,
) -> None:
    """Browse runs (pass@k with intervals, results with programs), compare two runs task
    by task, and read datasets' records with their provenance, in the browser.

    Example: fairclimb view --port 8001, then open http://127.0.0.1:8001
    """
    from fairclimb.web import serve_viewer

    settings = load_settings(db=db)
    if not store_exists(settings.db):
        raise UserInputError(f"there is no store at {settings.db}; run fairclimb eval first, "
                             "or name the store with --db")
    Console(stderr=True).print(f"viewer on http://{host}:{port} (read-only; Ctrl-C stops it)",
                               highlight=False)
    serve_viewer(settings.db, host=host, port=port)


COMMANDS = {"view": view_command}
