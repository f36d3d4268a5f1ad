"""``arena serve --workers N``: N uvicorn worker processes on one listening socket.

Each worker is a fresh interpreter (uvicorn spawns them) that calls :func:`worker_app`,
which opens its own store connections and its own random generator (two workers never
draw the same battles from a shared seed). What the workers must agree on lives in the
database: sessions, sign-in failures, rate limits, battles per model, pair outcomes,
the one open task per rater, the vote chain. The workers learn the database and the
options from one environment variable set here, before they are spawned.

SQLite serves N workers too: the file is in WAL mode (readers never block the writer),
every writing transaction takes the lock at ``BEGIN IMMEDIATE`` and waits up to 30 s
for it, so writes queue instead of failing; only an in-memory database is refused, as
each worker would get an empty one of its own. PostgreSQL is the store for many raters:
SQLite allows one writer at a time however many workers there are.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from fairclimb.arena import Arena, ArenaOptions
from fairclimb.errors import UserInputError
from fairclimb.store import Store
from fairclimb.web._app import create_app
from fairclimb.web._server import server_config

__all__ = ["WORKER_ENV", "serve_workers", "worker_app"]

WORKER_ENV = "FAIRCLIMB_ARENA_WORKER"  # {"db": URL, "options": ArenaOptions fields}
_FACTORY = "fairclimb.web._workers:worker_app"


def serve_workers(db: str, host: str, port: int, options: ArenaOptions, workers: int) -> None:
    """Run ``workers`` arena processes on ``host:port`` until interrupted."""
    if db.strip() in ("sqlite://", "sqlite:///:memory:", ":memory:"):
        raise UserInputError("an in-memory database cannot be shared by several workers "
                             "(each would get an empty one); give a file or a PostgreSQL "
                             "URL, or serve with --workers 1")
    with Store.open(db):  # migrate once, and fail here with the store's own sentence
        pass
    os.environ[WORKER_ENV] = json.dumps({"db": db, "options": asdict(options)})
    config = server_config(_FACTORY, host, port, options, workers=workers)
    Multiprocess(config, sockets=[config.bind_socket()]).run()


def worker_app() -> FastAPI:
    """The arena app of one worker process (uvicorn calls this in each worker)."""
    settings: dict[str, Any] = json.loads(os.environ[WORKER_ENV])
    store = Store.open(settings["db"])
    app = create_app(Arena(store, ArenaOptions(**settings["options"]), environ=os.environ))

    @asynccontextmanager
    async def closing(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    app.router.lifespan_context = closing
    return app
