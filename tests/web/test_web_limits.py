"""Issue 13, finding 1: bodies are authenticated first, capped per route (by length and
while streaming), never parsed on the event loop; multipart is refused."""

from __future__ import annotations

import select
import socket
import time
from urllib.parse import urlsplit

import httpx
from arena_seed import Running
from helpers import csrf_of, invited_client, new_battle

MIB = 1024 * 1024
_CHUNK = b"x" * MIB


def _rss() -> int:
    with open("/proc/self/status") as status:  # the server runs in this process
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def _raw_post(server: Running, path: str, headers: dict[str, str], total: int,
              chunked: bool = False, timeout: float = 15.0) -> tuple[int, float, int]:
    """POST ``total`` bytes (or fewer: it stops once the server answers); returns the
    status, the seconds until the answer, and the bytes it managed to send."""
    parts = urlsplit(server.url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    head = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    started = time.monotonic()
    sent = 0
    answer = b""
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        while sent < total and time.monotonic() - started < timeout:
            if select.select([sock], [], [], 0)[0]:
                break
            chunk = _CHUNK[: min(MIB, total - sent)]
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            sent += len(chunk)
        answer = sock.recv(4096)
    except (BrokenPipeError, ConnectionResetError):
        answer = answer or sock.recv(4096)
    finally:
        sock.close()
    elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 "), f"no answer after {elapsed:.1f} s"
    return int(answer.split()[1]), elapsed, sent


def test_an_anonymous_100_mib_vote_is_refused_quickly(server: Running) -> None:
    before = _rss()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, seconds, sent = _raw_post(server, "/battles/1/vote", form, 100 * MIB)
    assert status == 413 and seconds < 3 and sent < 100 * MIB
    status, seconds, sent = _raw_post(server, "/battles/1/vote", form, 100 * MIB,
                                      chunked=True)
    assert status in (303, 401) and seconds < 3 and sent < 100 * MIB
    assert _rss() - before < 64 * MIB
    assert httpx.get(f"{server.url}/login", timeout=2).status_code == 200


def test_a_signed_in_chunked_body_is_cut_at_the_cap(server: Running) -> None:
    client = invited_client(server, "limits-chunked")
    battle_id = new_battle(client)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    before = _rss()
    status, seconds, sent = _raw_post(
        server, f"/battles/{battle_id}/vote",
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        100 * MIB, chunked=True)
    assert status == 413 and seconds < 3 and sent < 100 * MIB
    assert _rss() - before < 64 * MIB
    page = client.get(f"/battles/{battle_id}")  # the battle is still open
    assert client.post(f"/battles/{battle_id}/vote", data={
        "csrf": csrf_of(page.text), "winner": "tie"}).status_code == 303


def test_api_samples_checks_its_token_before_reading(server: Running) -> None:
    status, seconds, sent = _raw_post(server, "/api/samples",
                                      {"Content-Type": "application/json"}, 10 * MIB)
    assert status == 401 and seconds < 3 and sent < 10 * MIB
    token = server.arena.accounts.api_token("limits")
    status, _, _ = _raw_post(server, "/api/samples", {
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"}, 40 * MIB)
    assert status == 413
    bad = httpx.post(f"{server.url}/api/samples", content=b"{not json",
                     headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 400 and "not valid" in bad.json()["error"]


def test_multipart_is_refused(server: Running) -> None:
    client = invited_client(server, "limits-multipart")
    battle_id = new_battle(client)
    page = client.get(f"/battles/{battle_id}")
    sent = client.post(f"/battles/{battle_id}/vote", data={"csrf": csrf_of(page.text),
                                                           "winner": "tie"},
                       files={"upload": ("big.bin", b"x" * 1000)})
    assert sent.status_code == 415
    login = httpx.post(f"{server.url}/login", files={"username": ("a", b"b")})
    assert login.status_code == 415
