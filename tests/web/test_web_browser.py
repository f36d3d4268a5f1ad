"""The arena in a real browser (Debian's chromium, headless): a rater's whole path, and
hostile answers that must not run in the app's origin."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arena_seed import XSS_IMG, XSS_SCRIPT, Running
from sqlalchemy import DateTime, bindparam, text

from fairclimb.store import NewBattle, SampleIn

pytestmark = pytest.mark.slow


def _hostile_battle(server: Running, username: str, first: str, second: str,
                    kind: str = "implement") -> int:
    account = server.arena.data.account(username=username)
    assert account is not None
    prompt = f"hostile {kind} {first[:20]!r}"
    language = "html" if kind == "webdev" else "python"
    server.arena.import_samples([
        SampleIn("evil-1", prompt, first, kind=kind, language=language),
        SampleIn("evil-2", prompt, second, kind=kind, language=language)])
    pool = [row for row in server.arena.data.sample_pool() if row[2].startswith("evil-")]
    a = next(r for r in pool if r[2] == "evil-1" and server.arena.data.prompts()[r[1] - 1]
             .text == prompt)
    b = next(r for r in pool if r[2] == "evil-2" and r[1] == a[1])
    return server.arena.data.add_battle(NewBattle(
        account.id, a[1], a[0], b[0], "evil-1", "evil-2", 1.0, None, datetime.now(UTC)))


def _paid(page: Any) -> None:
    assert "18.50 EUR" in page.inner_text("#pay")


def test_rater_votes_sees_names_and_leaderboard(page: Any, server: Running,
                                                 join: Callable[..., int]) -> None:
    join(page, "browser-rita", on_briefing=_paid)
    for round_ in range(3):
        if "/battles/" not in page.url:
            page.click("#new-task")
        page.wait_for_selector("#vote-form")
        battle_id = int(page.url.rsplit("/", 1)[1])
        battle = server.arena.data.battle(battle_id)
        assert battle is not None
        assert page.locator("#model-a").count() == 0  # names hidden before the vote
        page.check("input[name=winner][value=model_a]" if round_ % 2 else
                   "input[name=winner][value=model_b]")
        page.check("input[name=labels_a][value=off-by-one]")
        page.fill("textarea[name=comment]", f"round {round_}")
        page.click("#submit-vote")
        page.wait_for_selector("#result")
        assert page.inner_text("#model-a") == battle.model_a
        assert page.inner_text("#model-b") == battle.model_b
        page.click("#next-task")
        page.wait_for_url(re.compile(r".*/battles/\d+$"))
    page.goto("/leaderboard")
    table = page.inner_text("#leaderboard")
    assert "Model" in table and "95% interval" in table
    # Votes cast within seconds are flagged: shown as excluded, by reason, not rated.
    assert "fast vote (" in page.inner_text("#counts")


def test_script_and_img_payloads_do_not_run(page: Any, server: Running,
                                            join: Callable[..., int]) -> None:
    join(page, "browser-sam")
    battle_id = _hostile_battle(server, "browser-sam", XSS_SCRIPT, XSS_IMG)
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(f"/battles/{battle_id}")
    page.wait_for_selector("#vote-form")
    page.wait_for_timeout(300)  # an onerror would have fired by now
    assert page.evaluate("window.__pwned") is None
    assert "window.__pwned = 1" in page.inner_text("#answer-a")  # shown, as text


def test_webdev_frame_runs_but_cannot_reach_the_app(page: Any, server: Running,
                                                    join: Callable[..., int]) -> None:
    from arena_seed import WEBDEV_ESCAPE

    join(page, "browser-tia")
    battle_id = _hostile_battle(server, "browser-tia", WEBDEV_ESCAPE, WEBDEV_ESCAPE + "<i>",
                                kind="webdev")
    page.goto(f"/battles/{battle_id}")
    frame = page.frame_locator("#answer-a iframe")
    text = frame.locator("#p").inner_text()
    assert text.startswith("ran:")  # the answer's own script ran, live
    assert "parent:" not in text  # but could not read the app's document
    assert "fc_session" not in text  # nor its cookies
    assert page.evaluate("window.__pwned") is None
    assert page.get_attribute("#answer-a iframe", "sandbox") == "allow-scripts"


def test_refusals_csrf_double_vote_expiry_and_rate(page: Any, server: Running,
                                                   join: Callable[..., int]) -> None:
    join(page, "browser-uma")
    page.click("#new-task")
    page.wait_for_selector("#vote-form")
    battle_id = int(page.url.rsplit("/", 1)[1])
    page.evaluate("document.querySelector('#vote-form input[name=csrf]').remove()")
    page.check("input[name=winner][value=tie]")
    page.click("#submit-vote")
    assert "security token" in page.inner_text("#error")
    assert server.arena.data.battle(battle_id).winner is None  # type: ignore[union-attr]

    page.goto(f"/battles/{battle_id}")
    csrf = page.get_attribute("#vote-form input[name=csrf]", "value")
    page.check("input[name=winner][value=tie]")
    page.click("#submit-vote")
    page.wait_for_selector("#result")
    again = page.request.post(f"/battles/{battle_id}/vote",
                              form={"csrf": csrf, "winner": "model_a"})
    assert again.status == 409 and "already voted" in again.text()

    statuses = []
    for _ in range(server.arena.options.votes_per_minute + 1):
        made = page.request.post("/battle/new", form={"csrf": csrf}, max_redirects=0)
        battle = int(made.headers["location"].rsplit("/", 1)[1])
        statuses.append(page.request.post(f"/battles/{battle}/vote", max_redirects=0,
                                          form={"csrf": csrf, "winner": "tie"}).status)
    assert 429 in statuses

    with server.arena.data.store.transaction("expiring", write=True) as session:
        # The session runs out: plain SQL, bound as the store's UTC timestamps are
        # (aware UTC: kept as is by PostgreSQL, as naive UTC text by SQLite).
        session.execute(text("UPDATE arena_sessions SET expires_at = :at").bindparams(
            bindparam("at", datetime.now(UTC) - timedelta(minutes=1),
                      type_=DateTime(timezone=True))))
    page.goto("/battle")
    page.wait_for_url("**/login?m=*")
    assert "session expired" in page.inner_text("#message")
