"""The arena over real HTTP: sign-in, consent, votes, refusals, headers, the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from arena_seed import ADMIN, Running
from helpers import csrf_of, invited_client, login_client, new_battle
from sqlalchemy import DateTime, bindparam, text


def test_invite_briefing_vote_reveal(server: Running) -> None:
    client = invited_client(server, "http-alice", brief=False)
    assert client.get("/battle").headers["location"] == "/briefing"
    briefing = client.get("/briefing")
    assert "18.50 EUR" in briefing.text and "the fairclimb test team" in briefing.text
    assert "train and to evaluate coding models" in briefing.text
    client.post("/briefing", data={"csrf": csrf_of(briefing.text), "version": "1"})
    account = server.arena.data.account(username="http-alice")
    assert account is not None and account.briefing_version == 1

    battle_id = new_battle(client)
    page = client.get(f"/battles/{battle_id}")
    assert page.status_code == 200
    battle = server.arena.data.battle(battle_id)
    assert battle is not None and battle.model_a != battle.model_b
    assert battle.model_a not in page.text and battle.model_b not in page.text

    voted = client.post(f"/battles/{battle_id}/vote", data={
        "csrf": csrf_of(page.text), "winner": "model_b", "labels_a": ["off-by-one", "style"],
        "comment": "B handles it", "correction": "return a + b"})
    assert voted.status_code == 303
    revealed = client.get(f"/battles/{battle_id}")
    assert battle.model_a in revealed.text and battle.model_b in revealed.text
    assert "B is better" in revealed.text

    again = client.post(f"/battles/{battle_id}/vote", data={
        "csrf": csrf_of(page.text), "winner": "model_a"})
    assert again.status_code == 409
    assert "already voted" in again.text
    (vote,) = [v for v in server.arena.data.votes() if v.battle_id == battle_id]
    assert vote.winner == "model_b" and vote.labels_a == ["off-by-one", "style"]
    assert vote.comment == "B handles it" and vote.correction == "return a + b"


def test_forms_without_csrf_are_refused(server: Running) -> None:
    client = invited_client(server, "http-bob")
    battle_id = new_battle(client)
    before = server.arena.data.count_votes()
    assert client.post(f"/battles/{battle_id}/vote",
                       data={"winner": "model_a"}).status_code == 403
    assert client.post(f"/battles/{battle_id}/vote",
                       data={"winner": "model_a", "csrf": "forged"}).status_code == 403
    assert server.arena.data.count_votes() == before
    fresh = httpx.Client(base_url=server.url)
    assert fresh.post("/login", data={"username": ADMIN[0],
                                      "password": ADMIN[1]}).status_code == 403


def test_someone_elses_battle_is_refused(server: Running) -> None:
    owner, other = invited_client(server, "http-carol"), invited_client(server, "http-dan")
    battle_id = new_battle(owner)
    page = other.get("/battle")
    assert other.get(f"/battles/{battle_id}").status_code == 403
    refused = other.post(f"/battles/{battle_id}/vote",
                         data={"winner": "model_a", "csrf": csrf_of(page.text)})
    assert refused.status_code == 403


def test_expired_session_sends_to_login(server: Running) -> None:
    client = invited_client(server, "http-erin")
    with server.arena.data.store.transaction("expiring", write=True) as session:
        # The session runs out: plain SQL, bound as the store's UTC timestamps are
        # (aware UTC: kept as is by PostgreSQL, as naive UTC text by SQLite).
        session.execute(text("UPDATE arena_sessions SET expires_at = :at").bindparams(
            bindparam("at", datetime.now(UTC) - timedelta(minutes=1),
                      type_=DateTime(timezone=True))))
    page = client.get("/battle")
    assert page.status_code == 303 and page.headers["location"].startswith("/login?m=")
    assert "session expired" in client.get(page.headers["location"]).text


def test_rate_limit(server: Running) -> None:
    client = invited_client(server, "http-fay")
    statuses = []
    for _ in range(server.arena.options.votes_per_minute + 1):
        battle_id = new_battle(client)
        page = client.get(f"/battles/{battle_id}")
        statuses.append(client.post(f"/battles/{battle_id}/vote", data={
            "csrf": csrf_of(page.text), "winner": "tie"}).status_code)
    assert statuses[:-1] == [303] * server.arena.options.votes_per_minute
    assert statuses[-1] == 429


def test_headers_cookies_and_escaping(server: Running) -> None:
    login = httpx.Client(base_url=server.url).get("/login")
    csp = login.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    client = httpx.Client(base_url=server.url)
    response = client.post("/login", data={"username": ADMIN[0], "password": ADMIN[1],
                                           "csrf": csrf_of(client.get("/login").text)})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    for battle_id in range(1, 40):
        battle = server.arena.data.battle(battle_id)
        if battle is None:
            break
        page = client.get(f"/battles/{battle_id}")
        assert "<script>window.__pwned" not in page.text
        assert "<img src=x" not in page.text
        if battle.prompt.kind == "webdev":
            assert 'sandbox="allow-scripts"' in page.text
            assert "allow-same-origin" not in page.text
            frame = client.get(f"/battles/{battle_id}/render/a",
                               headers={"sec-fetch-dest": "iframe"})
            assert frame.headers["content-security-policy"].startswith("sandbox allow-scripts")


def test_admin_pages_need_an_admin(server: Running) -> None:
    rater = invited_client(server, "http-gus")
    assert rater.get("/admin").status_code == 403
    admin = login_client(server, *ADMIN)
    page = admin.get("/admin")
    assert page.status_code == 200
    assert "http-gus" in page.text and "EUR" in page.text and "Expected share" in page.text
    board = admin.get("/leaderboard", params={"kind": "webdev"})
    assert board.status_code == 200 and 'option selected>webdev' in board.text
    made = admin.post("/admin/invites", data={"csrf": csrf_of(page.text)})
    assert "/invite/" in made.text
    assert admin.post("/admin/invites", data={}).status_code == 403


def test_api_imports_samples_and_exports_votes(server: Running) -> None:
    token = server.arena.accounts.api_token("test")
    anonymous = httpx.post(f"{server.url}/api/samples", json={"samples": []})
    assert anonymous.status_code == 401
    headers = {"Authorization": f"Bearer {token}"}
    body = {"samples": [{"model": "api-model", "prompt": "Say hi.", "answer": "hi"}]}
    imported = httpx.post(f"{server.url}/api/samples", json=body, headers=headers)
    assert imported.json() == {"received": 1, "added": 1}
    again = httpx.post(f"{server.url}/api/samples", json=body, headers=headers)
    assert again.json()["added"] == 0
    bad = httpx.post(f"{server.url}/api/samples", headers=headers,
                     json={"samples": [{"model": "m", "prompt": "p", "answer": "a",
                                        "kind": "poetry"}]})
    assert bad.status_code == 400 and "unknown kind" in bad.json()["error"]
    rater = invited_client(server, "http-api")
    battle_id = new_battle(rater)
    page = rater.get(f"/battles/{battle_id}")
    rater.post(f"/battles/{battle_id}/vote", data={"csrf": csrf_of(page.text),
                                                   "winner": "tie (bothbad)"})
    votes = httpx.get(f"{server.url}/api/votes", headers=headers).json()
    assert any(v["winner"] == "tie (bothbad)" and v["excluded"] for v in votes)  # too fast
    assert {"model_a", "model_b", "winner", "tstamp", "judge", "language"} <= set(votes[0])
    assert all(v["winner"] in ("model_a", "model_b", "tie", "tie (bothbad)") for v in votes)
    assert all(v["judge"].startswith("rater-") for v in votes)


def test_the_leaderboard_page_and_its_plot_rate_the_votes_once(
        server: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page and its SVG are two requests on one computation, cached by the state of
    the votes: a new vote computes it again."""
    calls: list[int] = []
    read = server.arena.stored_votes  # what each computation starts from

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return read(*args, **kwargs)

    monkeypatch.setattr(server.arena, "stored_votes", counted)
    rater = invited_client(server, "http-board")
    admin = login_client(server, *ADMIN)

    def vote() -> None:
        battle_id = new_battle(rater)
        page = rater.get(f"/battles/{battle_id}")
        rater.post(f"/battles/{battle_id}/vote", data={"csrf": csrf_of(page.text),
                                                       "winner": "model_a"})

    vote()
    page, plot = admin.get("/leaderboard"), admin.get("/leaderboard.svg")
    assert page.status_code == plot.status_code == 200 and len(calls) == 1
    admin.get("/leaderboard")
    assert len(calls) == 1
    vote()
    assert "votes counted" in admin.get("/leaderboard").text and len(calls) == 2
    admin.get("/leaderboard.svg")
    admin.get("/leaderboard", params={"language": "python"})  # another filter: its own
    assert len(calls) == 3
