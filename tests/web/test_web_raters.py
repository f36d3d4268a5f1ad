"""Five raters, a hundred battles, over real HTTP: the leaderboard's intervals and rank
ranges are those the ratings engine gives on the exported votes."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import httpx
import numpy as np
import pytest
from arena_seed import ADMIN, PASSWORD, running
from helpers import csrf_of, login_client, new_battle

from fairclimb.arena import Arena, ArenaOptions, Role, compute_ratings, read_battles
from fairclimb.store import Store

_STRENGTH = {"alpha": 1.5, "beta": 0.8, "gamma": 0.0, "delta": -0.6}
_OPTIONS = ArenaOptions(votes_per_minute=1000, battles_per_minute=1000,
                        fast_vote_seconds=0.0, gold_rate=0.0)


def _join(url: str, link: str, username: str) -> httpx.Client:
    """Accept an invite link and the briefing, as a rater's browser would."""
    client = httpx.Client(base_url=url, timeout=10)
    path = link[link.index("/invite/"):]
    page = client.get(path)
    assert page.status_code == 200
    done = client.post(path, data={"username": username, "password": PASSWORD,
                                   "csrf": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/briefing"
    briefing = client.get("/briefing")
    version = re.search(r'name="version" value="(\d+)"', briefing.text)
    assert version
    assert client.post("/briefing", data={"csrf": csrf_of(briefing.text),
                                          "version": version.group(1)}).status_code == 303
    return client


def _secret(html: str) -> str:
    found = re.search(r'<pre id="secret">([^<]+)</pre>', html)
    assert found, html
    return found.group(1).strip()


@pytest.mark.slow  # ~400 requests
def test_five_raters_hundred_battles_leaderboard_matches_engine(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "arena.db")) as store:
        arena = Arena(store, _OPTIONS, np.random.default_rng(11))
        arena.accounts.create(ADMIN[0], ADMIN[1], Role.ADMIN)
        arena.briefing.publish(15.0, "USD", "the fairclimb test team")
        with running(arena) as server:
            admin = login_client(server, *ADMIN)
            csrf = csrf_of(admin.get("/admin").text)
            token = _secret(admin.post("/admin/api-tokens", data={"csrf": csrf,
                                                                  "name": "ci"}).text)
            api = httpx.Client(base_url=server.url, timeout=30,
                               headers={"Authorization": f"Bearer {token}"})
            samples = [{"model": m, "prompt": f"def f{p}(x):\n    \"\"\"x times {p}\"\"\"\n",
                        "answer": f"    return x * {p}  # {m}\n"}
                       for p in range(12) for m in _STRENGTH]  # 24 unseen tasks a rater
            assert api.post("/api/samples", json={"samples": samples}).json()["added"] == 48

            raters = []
            for i in range(5):
                made = admin.post("/admin/invites", data={"csrf": csrf})
                raters.append(_join(server.url, _secret(made.text), f"rater-{i}"))
            rng = np.random.default_rng(5)
            for n in range(100):
                client = raters[n % 5]
                battle_id = new_battle(client)
                page = client.get(f"/battles/{battle_id}")
                battle = arena.data.battle(battle_id)
                assert battle is not None
                gap = _STRENGTH[battle.model_a] - _STRENGTH[battle.model_b]
                winner = ("tie" if rng.random() < 0.1 else
                          "model_a" if rng.random() < 1 / (1 + np.exp(-gap)) else "model_b")
                voted = client.post(f"/battles/{battle_id}/vote",
                                    data={"csrf": csrf_of(page.text), "winner": winner})
                assert voted.status_code == 303

            exported = api.get("/api/votes").json()
            assert len(exported) == 100 and not any(r["excluded"] for r in exported)
            assert len({r["judge"] for r in exported}) == 5
            battles_file = tmp_path / "battles.jsonl"
            battles_file.write_text("".join(json.dumps(r) + "\n" for r in exported))
            board = api.get("/api/leaderboard").json()
            # The options the page rates with, as its board reports them (and the API's
            # method line names them, so a script can rate its export the same way).
            page_ratings = arena.leaderboard().ratings
            assert page_ratings is not None
            options = page_ratings.options
            assert (f"{options.bootstrap}-round bootstrap (seed {options.seed})"
                    in board["method"])
            expected = compute_ratings(read_battles(battles_file), options)
            assert board["counted"] == 100 and board["excluded"] == 0
            assert board["models"] == [asdict(m) for m in expected.models]
            assert board["robustness"] == (expected.robustness.sentence
                                           if expected.robustness else None)
            for m in board["models"]:
                assert m["lower"] <= m["rating"] <= m["upper"]
                assert m["rank_lower"] <= m["rank"] <= m["rank_upper"]

            html = admin.get("/leaderboard").text
            for m in expected.models:
                assert f"{m.lower:.0f} to {m.upper:.0f}" in html
                ranks = (f"{m.rank_lower}&ndash;{m.rank_upper}" if m.rank_upper > m.rank_lower
                         else str(m.rank))
                mark = ' <span class="note">(provisional)</span>' if m.provisional else ""
                assert f"<td>{ranks}</td><td>{m.model}{mark}</td>" in html
            assert any(m.provisional for m in expected.models)  # ~50 votes each, some fewer
            assert "100 votes counted; 0 excluded" in html
            assert 'src="/leaderboard.svg?language=&amp;kind="' in html
            plot = admin.get("/leaderboard.svg")
            assert plot.headers["content-type"].startswith("image/svg+xml")
            assert all(m in plot.text for m in _STRENGTH) and "style=" not in plot.text
            assert httpx.get(f"{server.url}/leaderboard.svg").status_code in (303, 401)

