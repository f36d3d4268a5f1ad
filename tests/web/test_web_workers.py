"""``fairclimb arena serve --workers 2`` on PostgreSQL (and a SQLite file): a real server
with two worker processes, whose rate limits hold across both, and which loses nothing
when PostgreSQL drops its connections mid-vote (issue 17, item 2)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from arena_seed import free_port, seed
from pg import fresh_database

from fairclimb.arena import Arena, ArenaOptions, Role
from fairclimb.evaluate import EvalOptions
from fairclimb.executor import Executor, ExecutorChoice
from fairclimb.sandbox import Limits
from fairclimb.store import Store
from fairclimb.web._workers import WORKER_ENV, worker_app, worker_environment

_ROOT = Path(__file__).resolve().parents[2]
VOTES_PER_MINUTE = 3


@dataclass
class Served:
    url: str
    db: str
    process: subprocess.Popen[bytes]


@dataclass
class Rater:
    cookie: dict[str, str]
    csrf: str


def start(db: str, *args: str) -> Served:
    """``fairclimb arena serve`` in its own process group, once it accepts connections."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "fairclimb", "arena", "serve", "--db", db, "--port", str(port),
         *args], env={**os.environ, "PYTHONPATH": str(_ROOT)}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180  # two workers start on a loaded machine
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return Served(f"http://127.0.0.1:{port}", db, process)
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"the server did not start: {process.stderr.read().decode()[-2000:]}"
                       if process.stderr else "the server did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # the supervisor and its workers
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def seeded(db: str, raters: int = 1) -> list[Rater]:
    """The test answers, a briefing, and signed-in, briefed raters."""
    with Store.open(db) as store:
        arena = Arena(store, ArenaOptions(gold_rate=0.0))
        seed(arena)
        people = []
        for number in range(raters):
            account = arena.accounts.create(f"rater{number}", "rater-password-1", Role.RATER)
            arena.briefing.accept(account, 1)
            token, session = arena.accounts.start_session(account)
            people.append(Rater({"fc_session": token}, session.csrf_token))
    return people


@pytest.fixture
def pg_db() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["postgres", "sqlite"])
def two_workers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Served, Rater]]:
    """Two workers on PostgreSQL, and on a SQLite file (WAL: correct, one writer)."""
    if request.param == "postgres":
        with fresh_database() as url:
            yield from _two_workers(url)
        return
    yield from _two_workers(str(tmp_path / "arena.db"))


def _two_workers(db: str) -> Iterator[tuple[Served, Rater]]:
    rater = seeded(db)[0]
    served = start(db, "--workers", "2", "--votes-per-minute", str(VOTES_PER_MINUTE))
    try:
        yield served, rater
    finally:
        stop(served.process)


def new_task(url: str, rater: Rater) -> int:
    """Draw (or get back) the rater's open task, on a new connection: each request may
    land on either worker."""
    made = httpx.post(f"{url}/battle/new", cookies=rater.cookie, data={"csrf": rater.csrf},
                      headers={"connection": "close"}, timeout=30)
    assert made.status_code == 303, made.text
    return int(made.headers["location"].rsplit("/", 1)[1])


def vote(url: str, rater: Rater, battle: int) -> httpx.Response:
    return httpx.post(f"{url}/battles/{battle}/vote", cookies=rater.cookie,
                      data={"csrf": rater.csrf, "winner": "model_a"},
                      headers={"connection": "close"}, timeout=30)


def workers_of(process: subprocess.Popen[bytes]) -> int:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return sum("spawn_main" in Path(f"/proc/{c}/cmdline").read_text()
               for c in children if Path(f"/proc/{c}").exists())


def test_the_vote_limit_holds_across_two_workers(two_workers: tuple[Served, Rater]) -> None:
    served, rater = two_workers
    assert workers_of(served.process) == 2
    statuses = [vote(served.url, rater, new_task(served.url, rater)).status_code
                for _ in range(4 * VOTES_PER_MINUTE)]
    # Each worker counting alone would take up to 2 x the limit.
    assert statuses == [303] * VOTES_PER_MINUTE + [429] * (3 * VOTES_PER_MINUTE), statuses
    with Store.open(served.db) as store:
        assert Arena(store).data.count_votes() == VOTES_PER_MINUTE


def test_an_in_memory_store_is_refused_for_several_workers() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fairclimb", "arena", "serve", "--db", "sqlite://",
         "--workers", "2", "--port", str(free_port())],
        env={**os.environ, "PYTHONPATH": str(_ROOT)}, capture_output=True, text=True,
        timeout=60, check=False)
    assert done.returncode != 0
    assert "in-memory database cannot be shared by several workers" in done.stderr
    assert "Traceback" not in done.stderr


def test_each_worker_runs_live_answers_as_the_server_was_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings' workers, limits, sandbox and executor reach every worker process (a
    worker is a fresh interpreter: it knows only what the environment carries)."""
    told = EvalOptions(workers=3, limits=Limits(wall_s=2.5, memory_bytes=256 << 20),
                       sandbox="rlimits", node="/opt/node",
                       executor=ExecutorChoice(Executor.RAY, "10.0.0.7:6379", 4))
    db = str(tmp_path / "arena.db")
    Store.open(db).close()
    monkeypatch.setenv(WORKER_ENV, worker_environment(db, ArenaOptions(), told))
    app = worker_app()
    try:
        assert app.state.arena.eval_options == told
    finally:
        app.state.arena.data.store.close()


@pytest.fixture
def fault_server(pg_db: str) -> Iterator[tuple[Served, Rater]]:
    rater = seeded(pg_db)[0]
    served = start(pg_db, "--workers", "2", "--votes-per-minute", "1000")
    try:
        yield served, rater
    finally:
        stop(served.process)


def _audit_votes(db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fairclimb", "audit", "votes", "--db", db],
                          env={**os.environ, "PYTHONPATH": str(_ROOT)}, capture_output=True,
                          text=True, timeout=120, check=False)


def test_the_database_going_away_mid_vote_loses_nothing(
        fault_server: tuple[Served, Rater]) -> None:
    """A vote waits inside its transaction (the battle claimed, the chain head locked by
    this test) when every server connection is terminated: the rater gets a 503 with
    one sentence, the vote is not half-written (the battle is still open, the chain is
    intact), and the same vote submitted again is stored."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import create_engine, text

    served, rater = fault_server
    assert vote(served.url, rater, new_task(served.url, rater)).status_code == 303
    battle = new_task(served.url, rater)
    admin = create_engine(served.db)
    try:
        with admin.connect() as holder, ThreadPoolExecutor(1) as pool:
            held = holder.begin()
            holder.execute(text("SELECT seq FROM arena_vote_chain WHERE id = 1 FOR UPDATE"))
            pending = pool.submit(vote, served.url, rater, battle)
            _wait_for_a_vote_waiting_on(holder)
            holder.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                "current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"))
            held.rollback()
            refused = pending.result(timeout=60)
    finally:
        admin.dispose()
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "5"
    assert "lost its connection to the database" in refused.text
    assert "Traceback" not in refused.text and "psycopg" not in refused.text
    with Store.open(served.db) as store:
        arena = Arena(store)
        assert arena.data.count_votes() == 1
        assert arena.data.open_battle(arena.data.account(username="rater0").id) == battle  # type: ignore[union-attr]
    audit = _audit_votes(served.db)
    assert audit.returncode == 0 and "vote log intact: 1 votes" in audit.stdout, audit
    # Both workers reconnect. The worker that did not serve the vote still holds dead
    # connections; they are replaced as they are taken from its pool, so no request
    # after the outage fails: the rater's second try is stored, and every vote after.
    assert vote(served.url, rater, battle).status_code == 303
    for _ in range(6):
        assert vote(served.url, rater, new_task(served.url, rater)).status_code == 303
    audit = _audit_votes(served.db)
    assert audit.returncode == 0 and "vote log intact: 8 votes" in audit.stdout, audit


def _wait_for_a_vote_waiting_on(holder: Any) -> None:
    from sqlalchemy import text

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        waiting = holder.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).scalar()
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("no vote came to wait on the chain head")


def test_a_lost_connection_at_the_session_check_is_a_503_not_a_sign_in(pg_db: str) -> None:
    """The session is checked before the body is read (BodyLimits); a database that is
    away there must answer 503 (submit again), never send the rater to the sign-in page
    as if their session were gone. An outage while nobody asked costs no request: the
    first one after the database is back works (its dead pooled connections are
    replaced as they are taken), and so does the first one after an outage that did
    refuse requests."""
    from arena_seed import running
    from pg_proxy import relayed

    rater = seeded(pg_db)[0]
    with relayed(pg_db) as (url, relay), Store.open(url) as store, \
            running(Arena(store, ArenaOptions(gold_rate=0.0))) as live:
        assert new_task(live.url, rater) > 0  # the pool holds a live connection
        relay.cut()
        relay.restore()
        assert new_task(live.url, rater) > 0  # the outage is over: no 503
        relay.cut()
        lost = httpx.post(f"{live.url}/battle/new", cookies=rater.cookie,
                          data={"csrf": rater.csrf}, timeout=30)
        assert lost.status_code == 503, (lost.status_code, lost.headers)
        assert lost.headers["retry-after"] == "5"
        assert "lost its connection to the database" in lost.text
        relay.restore()
        assert new_task(live.url, rater) > 0  # and the next request works
