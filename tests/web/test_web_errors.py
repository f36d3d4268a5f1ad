"""Issue 13, findings 5 and 8: bad ids and inputs get pages that say what to do (JSON
for the API), and a locked database neither freezes other requests nor shows a rater
the store's path."""

from __future__ import annotations

import sqlite3
import threading
import time

import httpx
import pytest
from arena_seed import Running
from helpers import csrf_of, invited_client, new_battle


@pytest.mark.parametrize("path", ["/battles/abc", "/battles/99999999999999999999",
                                  "/battles/0", "/battles/-1/render/a"])
def test_bad_ids_are_pages_not_crashes(server: Running, path: str) -> None:
    client = invited_client(server, f"errors-{abs(hash(path))}")
    page = client.get(path)
    assert page.status_code == 404
    assert "no such page" in page.text and "text/html" in page.headers["content-type"]
    assert page.headers["cache-control"] == "no-store"


def test_bad_inputs_on_a_vote_and_the_api(server: Running) -> None:
    client = invited_client(server, "errors-inputs")
    battle_id = new_battle(client)
    page = client.get(f"/battles/{battle_id}")
    posted = client.post("/battles/12345678901234567890/vote",
                         data={"csrf": csrf_of(page.text), "winner": "tie"})
    assert posted.status_code == 404 and "no such page" in posted.text
    token = server.arena.accounts.api_token("errors")
    api = httpx.get(f"{server.url}/api/votes", params={"include_excluded": "maybe"},
                    headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 400 and "include_excluded" in api.json()["error"]


@pytest.mark.slow  # waits out the store's 30 s busy timeout
def test_a_locked_database_neither_freezes_nor_leaks_its_path(server: Running) -> None:
    client = invited_client(server, "errors-locked")
    battle_id = new_battle(client)
    page = client.get(f"/battles/{battle_id}")
    blocker = sqlite3.connect(server.arena.data.store.url.removeprefix("sqlite:///"),
                              isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # another writer (a big import) holds the lock
    result: dict[str, httpx.Response] = {}
    voting = threading.Thread(target=lambda: result.update(vote=client.post(
        f"/battles/{battle_id}/vote", data={"csrf": csrf_of(page.text), "winner": "tie"},
        timeout=60)))
    try:
        voting.start()
        time.sleep(1.0)  # the vote is waiting for the lock now
        started = time.monotonic()
        assert httpx.get(f"{server.url}/login", timeout=5).status_code == 200
        assert time.monotonic() - started < 1.0  # the event loop is not frozen
        voting.join(60)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    vote = result["vote"]
    assert vote.status_code == 503 and vote.headers["retry-after"] == "5"
    assert "wait a few seconds" in vote.text and ".db" not in vote.text
    page = client.get(f"/battles/{battle_id}")  # nothing was lost: vote again
    assert client.post(f"/battles/{battle_id}/vote", data={
        "csrf": csrf_of(page.text), "winner": "tie"}).status_code == 303


def test_invite_links_never_trust_the_host_header(server: Running) -> None:
    from arena_seed import ADMIN
    from helpers import login_client

    admin = login_client(server, *ADMIN)
    csrf = csrf_of(admin.get("/admin").text)
    made = admin.post("/admin/invites", data={"csrf": csrf},
                      headers={"host": "evil.example"})
    assert made.status_code == 200
    assert "evil.example" not in made.text
    assert f"{server.url}/invite/" in made.text


def test_the_access_page_revokes_tokens_and_disables_accounts(server: Running) -> None:
    from arena_seed import ADMIN
    from helpers import login_client

    token = server.arena.accounts.api_token("page-token")
    rater = invited_client(server, "access-victim")
    admin = login_client(server, *ADMIN)
    page = admin.get("/admin/access")
    assert page.status_code == 200 and "page-token" in page.text and token not in page.text
    ref = next(r.ref for r in server.arena.accounts.credentials() if r.label == "page-token")
    assert admin.post("/admin/access/revoke", data={
        "csrf": csrf_of(page.text), "ref": ref}).status_code == 303
    assert httpx.get(f"{server.url}/api/votes",
                     headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert admin.post("/admin/access/account", data={
        "csrf": csrf_of(page.text), "username": "access-victim",
        "action": "disable"}).status_code == 303
    assert rater.get("/battle").status_code == 303  # signed out: to the sign-in page
    assert "disabled" in admin.get("/admin/access").text
    assert rater.get("/admin/access").status_code in (303, 403)
