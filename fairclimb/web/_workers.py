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
from fairclimb.evaluate import EvalOptions
from fairclimb.executor import Executor, ExecutorChoice
from fairclimb.sandbox import Limits
from fairclimb.store import Store
from fairclimb.web._app import create_app
from fairclimb.web._server import server_config

__all__ = ["WORKER_ENV", "serve_workers", "worker_app", "worker_environment"]

# {"db": URL, "options": ArenaOptions fields, "eval": how live answers are run}
WORKER_ENV = "FAIRCLIMB_ARENA_WORKER"
_FACTORY = "fairclimb.web._workers:worker_app"


def serve_workers(db: str, host: str, port: int, options: ArenaOptions, workers: int,
                  eval_options: EvalOptions | None = None) -> None:
    """Run ``workers`` arena processes on ``host:port`` until interrupted; each runs
    live battles' answers to suite tasks with *eval_options*."""
    if db.strip() in ("sqlite://", "sqlite:///:memory:", ":memory:"):
        raise UserInputError("an in-memory database cannot be shared by several workers "
                             "(each would get an empty one); give a file or a PostgreSQL "
                             "URL, or serve with --workers 1")
    with Store.open(db):  # migrate once, and fail here with the store's own sentence
        pass
    os.environ[WORKER_ENV] = worker_environment(db, options, eval_options)
    config = server_config(_FACTORY, host, port, options, workers=workers)
    Multiprocess(config, sockets=[config.bind_socket()]).run()


def worker_environment(db: str, options: ArenaOptions,
                       eval_options: EvalOptions | None = None) -> str:
    """What the workers find in ``WORKER_ENV``: the store, the arena's options and how
    live battles' answers to suite tasks are run."""
    return json.dumps({"db": db, "options": asdict(options),
                       "eval": _eval_fields(eval_options or EvalOptions())})


def worker_app() -> FastAPI:
    """The arena app of one worker process (uvicorn calls this in each worker)."""
    settings: dict[str, Any] = json.loads(os.environ[WORKER_ENV])
    store = Store.open(settings["db"])
    app = create_app(Arena(store, ArenaOptions(**settings["options"]), environ=os.environ,
                           eval_options=_eval_options(settings.get("eval", {}))))

    @asynccontextmanager
    async def closing(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    app.router.lifespan_context = closing
    return app


def _eval_fields(options: EvalOptions) -> dict[str, Any]:
    """What live battles use of *options*, as JSON for the workers."""
    executor = options.executor
    return {"workers": options.workers, "limits": options.limits.as_dict(),
            "sandbox": options.sandbox, "node": options.node,
            "executor": [executor.kind.value, executor.ray_address, executor.workers]}


def _eval_options(fields: dict[str, Any]) -> EvalOptions:
    if not fields:
        return EvalOptions()
    kind, address, per_node = fields["executor"]
    return EvalOptions(workers=fields["workers"], limits=Limits(**fields["limits"]),
                       sandbox=fields["sandbox"], node=fields["node"],
                       executor=ExecutorChoice(Executor(kind), address, per_node))
