"""Serving the arena: one uvicorn process, or several workers sharing the socket."""

from __future__ import annotations

from collections.abc import Mapping

import uvicorn

from fairclimb.arena import Arena, ArenaOptions
from fairclimb.evaluate import EvalOptions
from fairclimb.executor import reach
from fairclimb.store import Store
from fairclimb.web._app import create_app
from fairclimb.web._server import server_config
from fairclimb.web._workers import serve_workers

__all__ = ["serve"]


def serve(db: str, host: str = "127.0.0.1", port: int = 8000,
          options: ArenaOptions | None = None,
          environ: Mapping[str, str] | None = None, workers: int = 1,
          eval_options: EvalOptions | None = None) -> None:
    """Run the arena on ``db`` until interrupted: one uvicorn process, or ``workers``
    processes sharing the socket (see ``_workers``: they read the API keys of the models
    enabled for live battles from their environment); *environ* holds those keys.
    *eval_options*: how live battles' answers to suite tasks are run (a Ray cluster
    that does not answer is refused here, before the server starts)."""
    eval_options = eval_options or EvalOptions()
    reach(eval_options.executor)
    if workers > 1:
        serve_workers(db, host, port, options or ArenaOptions(), workers, eval_options)
        return
    with Store.open(db) as store:
        app = create_app(Arena(store, options, environ=environ, eval_options=eval_options))
        uvicorn.Server(server_config(app, host, port)).run()
