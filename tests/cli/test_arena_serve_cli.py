"""``fairclimb arena serve``: its options not given come from the settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return None  # not listening yet


def test_serve_takes_its_port_from_the_settings(tmp_path: Path) -> None:
    port = _free_port()
    (tmp_path / "fairclimb.toml").write_text(f"arena_port = {port}\n")
    env = {**os.environ, "FAIRCLIMB_CONFIG": str(tmp_path / "fairclimb.toml")}
    server = subprocess.Popen(
        [sys.executable, "-m", "fairclimb", "arena", "serve", "--db", "a.db",
         "--secure-cookies", "--votes-per-minute", "5"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while (status := _status(f"http://127.0.0.1:{port}/api/leaderboard")) is None:
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "the arena did not start"
            time.sleep(0.2)
        assert status in (200, 401, 403)
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"arena on http://127.0.0.1:{port}" in out
