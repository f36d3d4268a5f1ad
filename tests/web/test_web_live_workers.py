"""A live battle streams on every worker of ``arena serve --workers 2``: a rater whose
event stream lands on the worker that does not run the models sees the answer grow as
the models write it (the owner writes the text so far to the job's row a few times a
second; the other worker reads it), on PostgreSQL and on a SQLite file.

Which worker serves a connection is the kernel's choice, so the test finds out: the
worker process holding the server's end of a connection is read from /proc.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI
from pg import fresh_database
from test_web_workers import Rater, Served, seeded, start, stop

from fairclimb.arena import Arena
from fairclimb.models import ModelSpec, Terms
from fairclimb.store import Store

pytestmark = pytest.mark.slow

WORDS = " ".join(f"word{i}" for i in range(40))
_PARTIAL = re.compile(r'<pre class="partial">([^<]*)</pre>')


@pytest.fixture(params=["postgres", "sqlite"])
def served(request: pytest.FixtureRequest, tmp_path: Path, fake_openai: FakeOpenAI
           ) -> Iterator[tuple[Served, Rater]]:
    fake_openai.set_responder(lambda r: f"{r['model']} says {WORDS}")
    fake_openai.set_chunk_delay(0.15)  # 43 chunks: about 6.5 s per answer
    if request.param == "postgres":
        with fresh_database() as url:
            yield from _serve(url, fake_openai)
        return
    yield from _serve(str(tmp_path / "arena.db"), fake_openai)


def _serve(db: str, fake_openai: FakeOpenAI) -> Iterator[tuple[Served, Rater]]:
    rater = seeded(db)[0]
    with Store.open(db) as store:
        for name in ("alpha", "beta"):
            store.add_model(ModelSpec(name=name, base_url=fake_openai.base_url,
                                      model_id=f"{name}-id", terms=Terms.ALLOW))
        arena = Arena(store)
        arena.live.set_enabled("alpha", True)
        arena.live.set_enabled("beta", True)
    server = start(db, "--workers", "2")
    try:
        yield server, rater
    finally:
        stop(server.process)


def test_a_live_battle_streams_on_the_worker_that_does_not_run_it(
        served: tuple[Served, Rater]) -> None:
    server, rater = served
    port = int(server.url.rsplit(":", 1)[1])
    workers = _workers(server.process.pid)
    assert len(workers) == 2
    cookie = f"fc_session={rater.cookie['fc_session']}"
    body = f"csrf={rater.csrf}&prompt=Stream+forty+words.&language=python&kind=implement"
    with _connect(port) as posting:
        posting.sendall((f"POST /live HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n"
                         "Content-Type: application/x-www-form-urlencoded\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n{body}").encode())
        head = _read_head(posting)
        owner = _serving(workers, port, posting.getsockname()[1])  # runs the models
    assert " 303 " in head.splitlines()[0], head
    job = re.search(r"(?im)^location: /live/([\w-]+)", head)
    assert job, head
    stream = _stream_elsewhere(port, job.group(1), cookie, workers, owner)
    partials, done = _events(stream)
    assert "go-vote" in done, done
    # the text grew on this worker while the other ran the models, and is theirs
    assert len({len(text) for text in partials}) >= 3, partials
    assert all(f"{model} says word0" in text for model in ("alpha-id", "beta-id")
               for text in [" ".join(partials)]), partials
    assert any("word39" not in text for text in partials)  # a part before the whole


def _stream_elsewhere(port: int, job: str, cookie: str, workers: list[int],
                      owner: int) -> socket.socket:
    """An event stream of *job* that a worker other than *owner* serves (new
    connections until the kernel hands one to it)."""
    for _ in range(40):
        conn = _connect(port)
        conn.sendall(f"GET /live/{job}/events HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n"
                     "Accept: text/event-stream\r\n\r\n".encode())
        if _serving(workers, port, conn.getsockname()[1]) != owner:
            return conn
        conn.close()
    raise AssertionError("every connection went to the worker that runs the models")


def _events(conn: socket.socket) -> tuple[list[str], str]:
    """The partial texts the stream sent, in order, and its ``done`` fragment."""
    conn.settimeout(60)
    data = b""
    with conn:
        while b"event: done" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    # each event is one chunk of the chunked response, after its size line
    text = data.decode("utf-8", errors="replace")
    partials = [found.group(1) for found in _PARTIAL.finditer(text.replace("\ndata: ", "\n"))]
    return partials, text[text.rfind("event: done"):]


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def _read_head(conn: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n\r\n")[0].decode()


def _workers(supervisor: int) -> list[int]:
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return [int(c) for c in children
            if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]


def _serving(workers: list[int], port: int, client_port: int) -> int:
    """The worker holding the server's end of the connection from *client_port*."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        inode = _server_inode(port, client_port)
        for pid in workers if inode else ():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if fd.readlink().name == f"socket:[{inode}]":
                        return pid
                except OSError:
                    continue
        time.sleep(0.05)
    raise AssertionError(f"no worker holds the connection from port {client_port}")


def _server_inode(port: int, client_port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if (int(local.rsplit(":", 1)[1], 16) == port
                    and int(remote.rsplit(":", 1)[1], 16) == client_port and inode != "0"):
                return inode
    return None
