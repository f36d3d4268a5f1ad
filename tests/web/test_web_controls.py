"""Admin switches for a running study, on a real server: pause, private leaderboard,
retired models and answers, pay as CSV per period; and HEAD on pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from arena_seed import ADMIN, Running, running
from helpers import csrf_of, invited_client, login_client, new_battle

from fairclimb.arena import Arena, ArenaOptions, Role
from fairclimb.store import SampleIn, Store

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Running]:
    """A fresh arena per test: these switches change what every rater sees."""
    with Store.open(str(tmp_path / "c.db")) as store:
        arena = Arena(store, ArenaOptions(votes_per_minute=1_000, battles_per_minute=1_000,
                                          fast_vote_seconds=0.0, gold_rate=0.0),
                      np.random.default_rng(11))
        arena.accounts.create(ADMIN[0], ADMIN[1], Role.ADMIN)
        arena.briefing.publish(30.0, "EUR", "the test team")
        arena.import_samples([SampleIn(m, f"prompt {p}", f"{m} answers {p}")
                              for p in range(8) for m in ("m1", "m2", "m3")])
        with running(arena) as live:
            yield live


def _post(client: Any, path: str, **data: str) -> int:
    page = client.get("/admin")
    status: int = client.post(path, data={"csrf": csrf_of(page.text), **data}).status_code
    return status


def test_pause_stops_new_tasks_and_reopens(server: Running) -> None:
    admin = login_client(server, *ADMIN)
    rater = invited_client(server, "paused-rater")
    assert _post(admin, "/admin/pause", paused="yes") == 303
    assert "paused" in admin.get("/admin").text
    page = rater.get("/battle")
    refused = rater.post("/battle/new", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 403 and "paused" in refused.text
    assert _post(admin, "/admin/pause", paused="no") == 303
    assert new_battle(rater) > 0


def test_a_private_leaderboard_is_for_admins_only(server: Running) -> None:
    admin = login_client(server, *ADMIN)
    rater = invited_client(server, "curious-rater")
    board = rater.get("/leaderboard")
    assert board.status_code == 200
    head = server.arena.data.vote_chain_head()  # the board states the vote log's head
    assert f"{head.votes} votes, sha256 <code>{head.head}</code>" in board.text
    assert _post(admin, "/admin/private", private="yes") == 303
    for path in ("/leaderboard", "/leaderboard.svg"):
        hidden = rater.get(path)
        assert hidden.status_code == 403 and "private" in hidden.text
        assert admin.get(path).status_code == 200


def test_retired_models_and_answers_are_never_drawn(server: Running) -> None:
    admin = login_client(server, *ADMIN)
    assert _post(admin, "/admin/retire-model", model="m3") == 303
    assert _post(admin, "/admin/retire-model", model="nobody") == 400
    first = server.arena.data.sample_pool()[0][0]
    assert _post(admin, "/admin/retire-answer", answer=str(first)) == 303
    rater = invited_client(server, "drawn-rater")
    for _ in range(6):
        battle = server.arena.data.battle(new_battle(rater))
        assert battle is not None and "m3" not in (battle.model_a, battle.model_b)
        page = rater.get(f"/battles/{battle.id}")
        rater.post(f"/battles/{battle.id}/vote", data={"csrf": csrf_of(page.text),
                                                       "winner": "tie"})
    seen = server.arena.data.seen_samples(
        server.arena.data.account(username="drawn-rater").id)  # type: ignore[union-attr]
    assert first not in seen


def test_pay_as_csv_per_period(server: Running) -> None:
    admin = login_client(server, *ADMIN)
    rater = invited_client(server, "paid-rater")
    battle = new_battle(rater)
    page = rater.get(f"/battles/{battle}")
    assert rater.post(f"/battles/{battle}/vote", data={"csrf": csrf_of(page.text),
                                                       "winner": "model_a"}).status_code == 303
    today = datetime.now(UTC).date()
    got = admin.get("/admin/pay.csv", params={"start": str(today),
                                              "end": str(today + timedelta(days=1))})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = {r["username"]: r for r in csv.DictReader(io.StringIO(got.text))}
    assert rows["paid-rater"]["tasks"] == "1" and rows["paid-rater"]["currency"] == "EUR"
    before = admin.get("/admin/pay.csv", params={"end": str(today)})
    assert {r["username"]: r for r in csv.DictReader(io.StringIO(before.text))
            }["paid-rater"]["tasks"] == "0"
    assert admin.get("/admin/pay.csv", params={"start": "yesterday"}).status_code == 400
    assert rater.get("/admin/pay.csv").status_code == 403


@pytest.mark.parametrize("path", ["/login", "/leaderboard", "/admin", "/static/app.css"])
def test_head_on_pages(server: Running, path: str) -> None:
    admin = login_client(server, *ADMIN)
    head, get = admin.head(path), admin.get(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
