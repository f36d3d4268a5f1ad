"""Signing in through the real HTTP flow, as a browser would."""

from __future__ import annotations

import re

import httpx
from arena_seed import PASSWORD, Running

from fairclimb.arena import Role

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def invited_client(server: Running, username: str, *, brief: bool = True) -> httpx.Client:
    """A rater who accepted an invite (and, by default, the briefing)."""
    token = server.arena.accounts.invite(Role.RATER)
    client = httpx.Client(base_url=server.url, timeout=10)
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200
    done = client.post(f"/invite/{token}", data={
        "username": username, "password": PASSWORD, "csrf": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/briefing"
    if brief:
        briefing = client.get("/briefing")
        version = re.search(r'name="version" value="(\d+)"', briefing.text)
        assert version
        accepted = client.post("/briefing", data={"csrf": csrf_of(briefing.text),
                                                  "version": version.group(1)})
        assert accepted.status_code == 303
    return client


def login_client(server: Running, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=10)
    page = client.get("/login")
    done = client.post("/login", data={"username": username, "password": password,
                                       "csrf": csrf_of(page.text)})
    assert done.status_code == 303, done.text
    return client


def new_battle(client: httpx.Client) -> int:
    page = client.get("/battle")
    if page.status_code == 303:
        return int(page.headers["location"].rsplit("/", 1)[1])
    made = client.post("/battle/new", data={"csrf": csrf_of(page.text)})
    assert made.status_code == 303, made.text
    return int(made.headers["location"].rsplit("/", 1)[1])
