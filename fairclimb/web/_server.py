"""How the arena's uvicorn server is configured: timeouts and a connection cap, so that
slow or idle clients cannot hold the server's file descriptors.

uvicorn drops an idle keep-alive connection (``timeout_keep_alive``) but has no timeout
for a request's headers: a client that opens a connection and sends its headers a byte
at a time keeps it forever (a thousand such clients exhaust the server). The protocols
below (h11's here, httptools' in ``_httptools``, used where httptools is installed)
close a connection whose headers are not complete within ``header_timeout_s`` of its
opening or of the previous response, and refuse a head over ``MAX_HEADER_BYTES``.
Behind a reverse proxy (nginx, Caddy) the proxy's own limits apply first; see
docs/arena.md.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from fairclimb.arena import ArenaOptions
from fairclimb.web._head_deadline import HeadDeadline
from fairclimb.web._limits import MAX_HEADER_BYTES

__all__ = ["HeaderTimeoutH11", "server_config"]

WORKER_HEALTHCHECK_S = 60


class _Config(uvicorn.Config):
    """uvicorn's configuration plus the header timeout, which the protocol reads from
    it: a worker process gets the configuration pickled, so the timeout must travel in
    it (a class made at run time for the value could not be pickled)."""

    def __init__(self, app: Any, *, header_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.header_timeout_s = header_timeout_s


def server_config(app: Any, host: str, port: int, options: ArenaOptions | None = None,
                  workers: int = 1) -> uvicorn.Config:
    """uvicorn's configuration for the arena app ``app`` (limits from its options):
    what ``arena serve`` runs, and what the tests' servers run. With ``workers`` > 1,
    ``app`` is the import string of an app factory that each worker process calls, and
    ``options`` gives the limits."""
    options = options or app.state.arena.options
    return _Config(app, header_timeout_s=options.header_timeout_seconds, host=host,
                   port=port, workers=workers, factory=workers > 1, log_level="warning",
                   access_log=False, http=_protocol(), loop=_loop(),
                   timeout_keep_alive=options.keep_alive_seconds,
                   limit_concurrency=options.max_connections,
                   h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                   proxy_headers=options.forwarded_allow_ips is not None,
                   forwarded_allow_ips=options.forwarded_allow_ips or "",
                   # a worker must start (import, open its store) and later answer the
                   # supervisor's pings within this, or it is killed and started again:
                   # uvicorn's 5 s restarted workers in a loop on a loaded machine
                   timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)


def _protocol() -> type[asyncio.Protocol]:
    """The HTTP parser in C (httptools) where it is installed, else h11 (pure Python):
    at hundreds of votes a second h11's parsing is a large share of a worker's CPU."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return HeaderTimeoutH11
    from fairclimb.web._httptools import HeaderTimeoutHttpTools

    return HeaderTimeoutHttpTools


def _loop() -> str:
    """uvloop (libuv) where it is installed: less CPU per request than asyncio's loop."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


class HeaderTimeoutH11(HeadDeadline, H11Protocol):

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the headers are complete
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request's headers get the same time

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _waiting_for_head(self) -> bool:
        return self.conn.their_state is h11.IDLE
