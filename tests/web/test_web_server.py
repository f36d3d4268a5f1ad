"""Issue 13, finding 6: a connection that sends its headers slowly is dropped, and the
server caps its connections (uvicorn configured as `arena serve` runs it)."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
from arena_seed import Running, running, seed

from fairclimb.arena import Arena, ArenaOptions
from fairclimb.store import Store


@pytest.fixture(scope="module")
def quick_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    db = Path(tmp_path_factory.mktemp("server")) / "arena.db"
    with Store.open(str(db)) as store:
        arena = Arena(store, ArenaOptions(header_timeout_seconds=1.0, keep_alive_seconds=1,
                                          max_connections=50), np.random.default_rng(1))
        seed(arena)
        with running(arena) as live:
            yield live


def _connect(server: Running) -> socket.socket:
    parts = urlsplit(server.url)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def test_a_slow_header_connection_is_dropped(quick_server: Running) -> None:
    sock = _connect(quick_server)
    started = time.monotonic()
    dropped = None
    try:
        sock.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")
        for _ in range(8):  # one header byte every half second: never complete
            time.sleep(0.5)
            sock.sendall(b"X")
            sock.settimeout(0.01)
            try:
                if sock.recv(1) == b"":
                    dropped = time.monotonic() - started
                    break
            except TimeoutError:
                pass
    except (BrokenPipeError, ConnectionResetError):
        dropped = time.monotonic() - started
    finally:
        sock.close()
    assert dropped is not None and dropped < 3.0
    # A normal request still works, and so does a kept-alive connection's next one.
    with httpx.Client(base_url=quick_server.url) as client:
        assert client.get("/login").status_code == 200
        assert client.get("/login").status_code == 200


def test_connections_are_capped(quick_server: Running) -> None:
    socks = [_connect(quick_server) for _ in range(60)]
    try:
        for sock in socks:
            sock.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n\r\n")
        statuses = []
        for sock in socks:
            sock.settimeout(5)
            statuses.append(sock.recv(64).split(b" ")[1])
        assert b"503" in statuses  # past the cap: refused, not queued forever
    finally:
        for sock in socks:
            sock.close()


def test_an_endless_head_is_refused(quick_server: Running) -> None:
    """Headers streamed fast but never ending: refused once the head passes the cap
    (h11 has one of its own; the httptools protocol counts), the connection closed."""
    sock = _connect(quick_server)
    try:
        sock.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")
        answer = b""
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for _ in range(64):  # 64 KiB: four times the cap
                sock.sendall(b"X-Filler: " + b"a" * 1000 + b"\r\n")
        sock.settimeout(5)
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(4096):
                answer += chunk
    finally:
        sock.close()
    assert answer.split(b" ")[1] in (b"400", b"431"), answer[:200]


@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_the_parser_in_c_is_used_where_installed(parser: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``arena serve`` takes httptools (and uvloop) when they are installed, and runs
    on h11 and asyncio's loop when they are not."""
    import builtins

    from fairclimb.web import server_config

    real_import = builtins.__import__

    def without(name: str, *args: object, **kwargs: object) -> object:
        if parser == "h11" and name in ("httptools", "uvloop"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", without)
    config = server_config(object(), "127.0.0.1", 8000, ArenaOptions())
    chosen = config.http if isinstance(config.http, type) else type(None)
    assert ("HttpTools" in chosen.__name__) == (parser == "httptools")
    assert config.loop == ("uvloop" if parser == "httptools" else "asyncio")
