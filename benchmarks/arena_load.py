"""Load benchmark: authenticated vote submissions against ``fairclimb arena serve``.

Sets up a SQLite store with many raters (each signed in, briefed, with battles waiting),
starts the real server (``fairclimb arena serve``, uvicorn, one process), and submits
every vote through the real form endpoint (session cookie + CSRF token) from many
concurrent httpx clients. Reports votes/s and latency percentiles, then counts the votes
in the database: none may be lost.

    PYTHONPATH=. .venv/bin/python benchmarks/arena_load.py --runs 3

Target (issue 5): >= 500 votes/s with p99 < 50 ms on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

from fairclimb.arena import Arena, Role
from fairclimb.store import NewBattle, SampleIn, Store


def setup(db: str, raters: int, per_rater: int) -> list[tuple[str, str, list[int]]]:
    """Raters with sessions and battles; returns (session token, csrf, battle ids)."""
    with Store.open(db) as store:
        arena = Arena(store)
        arena.briefing.publish(20.0)
        arena.import_samples([SampleIn(f"model-{m}", f"prompt {p}", f"answer {m} {p}")
                              for m in range(8) for p in range(50)])
        pool = arena.data.sample_pool()
        by_prompt: dict[int, list[tuple[int, str]]] = {}
        for sample_id, prompt_id, model, _ in pool:
            by_prompt.setdefault(prompt_id, []).append((sample_id, model))
        prompts = sorted(by_prompt)
        rng = np.random.default_rng(0)
        people = []
        now = datetime.now(UTC)
        for r in range(raters):
            account = arena.accounts.create(f"rater{r}", "benchmark-password", Role.RATER)
            arena.data.accept_briefing(account.id, 1, now)
            token, session = arena.accounts.start_session(account)
            battles = []
            for i in range(per_rater):
                prompt = prompts[(r * per_rater + i) % len(prompts)]
                first, second = rng.choice(len(by_prompt[prompt]), 2, replace=False)
                (a, ma), (b, mb) = by_prompt[prompt][first], by_prompt[prompt][second]
                battles.append(NewBattle(account.id, prompt, a, b, ma, mb, 1 / 28, None, now))
            arena.data.add_battles(battles)
            people.append((token, session.csrf_token, []))
        ids: dict[int, list[int]] = {}
        with store.transaction("listing battles") as s:
            from sqlalchemy import text

            for battle_id, rater_id in s.execute(text(
                    "SELECT id, rater_id FROM arena_battles ORDER BY id")):
                ids.setdefault(rater_id, []).append(battle_id)
        return [(token, csrf, ids[r + 1]) for r, (token, csrf, _) in enumerate(people)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: str, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "fairclimb", "arena", "serve", "--db", db, "--port", str(port),
         "--votes-per-minute", "1000000"],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        stdout=subprocess.DEVNULL, stderr=open(os.environ.get("ARENA_BENCH_LOG", os.devnull), "w"))  # noqa: SIM115
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


async def submit(url: str, people: list[tuple[str, str, list[int]]],
                 concurrency: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[tuple[str, str, int]] = asyncio.Queue()
    # Interleave raters, so that concurrent requests come from different people.
    for i in range(max(len(b) for _, _, b in people)):
        for token, csrf, battles in people:
            if i < len(battles):
                queue.put_nowait((token, csrf, battles[i]))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal failures
            while not queue.empty():
                token, csrf, battle = queue.get_nowait()
                started = time.perf_counter()
                for attempt in range(3):
                    try:
                        response = await client.post(
                            f"/battles/{battle}/vote", cookies={"fc_session": token},
                            data={"csrf": csrf, "winner": "model_a", "comment": "benchmark"})
                        break
                    except (httpx.ReadError, httpx.RemoteProtocolError):
                        # The server closed an idle keep-alive connection as we reused it;
                        # send again (a vote that did arrive answers 409, counted below).
                        if attempt == 2:
                            raise
                latencies.append(time.perf_counter() - started)
                failures += response.status_code not in ((303, 409) if attempt else (303,))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, failures


async def submit_raw(url: str, people: list[tuple[str, str, list[int]]],
                     concurrency: int) -> tuple[float, list[float], int]:
    """The same votes through a minimal HTTP/1.1 keep-alive client (prebuilt requests,
    one connection per worker), so the load generator takes little of the 2 cores the
    server needs; responses are parsed only for their status and length."""
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    failures = 0
    votes = [(token, csrf, battle)
             for i in range(max(len(b) for _, _, b in people))
             for token, csrf, battles in people if i < len(battles)
             for battle in (battles[i],)]
    queue = iter(votes)

    def request(token: str, csrf: str, battle: int) -> bytes:
        body = f"csrf={csrf}&winner=model_a&comment=benchmark".encode()
        return (f"POST /battles/{battle}/vote HTTP/1.1\r\nHost: {host}\r\n"
                f"Cookie: fc_session={token}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    async def worker() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, int(port))
        for token, csrf, battle in queue:
            started = time.perf_counter()
            writer.write(request(token, csrf, battle))
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            failures += status != 303
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, failures


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(raters: int, per_rater: int, concurrency: int, client: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "arena.db")
        people = setup(db, raters, per_rater)
        port = free_port()
        server = start_server(db, port)
        try:
            server_cpu = cpu_seconds(server.pid)
            client_cpu = time.process_time()
            send = submit_raw if client == "raw" else submit
            elapsed, latencies, failures = asyncio.run(
                send(f"http://127.0.0.1:{port}", people, concurrency))
            server_cpu = cpu_seconds(server.pid) - server_cpu
            client_cpu = time.process_time() - client_cpu
        finally:
            server.terminate()
            server.wait(10)
        with Store.open(db) as store:
            stored = Arena(store).data.count_votes()
    total = raters * per_rater
    latencies.sort()
    return {"votes": total, "stored": stored, "failures": failures, "seconds": elapsed,
            "per_s": total / elapsed, "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1],
            "server_cpu_ms": 1000 * server_cpu / total, "client_cpu_ms": 1000 * client_cpu / total,
            "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raters", type=int, default=50)
    parser.add_argument("--per-rater", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--client", choices=["httpx", "raw"], default="raw",
                        help="load generator: httpx, or a minimal keep-alive HTTP/1.1 client "
                        "that leaves the cores to the server (default)")
    args = parser.parse_args()
    results = []
    for run in range(args.runs):
        result = one_run(args.raters, args.per_rater, args.concurrency, args.client)
        results.append(result)
        print(f"run {run + 1}: {result['votes']} votes in {result['seconds']:.2f} s = "
              f"{result['per_s']:.0f} votes/s; p50 {result['p50_ms']:.1f} ms, p99 "
              f"{result['p99_ms']:.1f} ms; stored {result['stored']}, failed "
              f"{result['failures']}; server CPU {result['server_cpu_ms']:.2f} ms/vote, "
              f"client CPU {result['client_cpu_ms']:.2f} ms/vote; load average "
              f"{result['load']:.1f} on {os.cpu_count()} cores")
        assert result["stored"] == result["votes"], "votes were lost"
    print(f"median of {args.runs}: {statistics.median(r['per_s'] for r in results):.0f} "
          f"votes/s, p99 {statistics.median(r['p99_ms'] for r in results):.1f} ms "
          f"(target >= 500 votes/s, p99 < 50 ms); no vote lost; server CPU "
          f"{statistics.median(r['server_cpu_ms'] for r in results):.2f} ms/vote")


if __name__ == "__main__":
    main()
