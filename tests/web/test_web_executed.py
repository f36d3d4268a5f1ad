"""Executed answers in a real browser (Debian's chromium): the tests' verdicts appear
only after the vote, the admin page counts votes that preferred the failing answer,
and the leaderboard shows each model's pass rate next to its rating."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arena_seed import ADMIN, PASSWORD, Running

from fairclimb.arena import Role
from fairclimb.store import NewBattle

pytestmark = pytest.mark.slow


@pytest.fixture
def page(browser: Any, server: Running) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _join(page: Any, server: Running, username: str) -> int:
    token = server.arena.accounts.invite(Role.RATER)
    page.goto(f"/invite/{token}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/briefing")
    page.click("#accept")
    page.wait_for_url(re.compile(r".*/(battle|battles/\d+)$"))
    account = server.arena.data.account(username=username)
    assert account is not None
    return account.id


def _split_battle(server: Running, rater_id: int) -> int:
    """A battle whose left answer failed its tests and whose right one passed."""
    pool = server.arena.data.sample_pool()
    bad = next(r for r in pool if r[2] == "model-bad" and r[3] is False)
    good = next(r for r in pool if r[2] == "model-good" and r[1] == bad[1])
    return server.arena.data.add_battle(NewBattle(
        rater_id, bad[1], bad[0], good[0], "model-bad", "model-good", 1.0, None,
        datetime.now(UTC) - timedelta(seconds=60)))  # read for a minute: not a fast vote


def test_verdicts_after_the_vote_disagreement_and_pass_rates(page: Any,
                                                             server: Running) -> None:
    battle_id = _split_battle(server, _join(page, server, "exec-rita"))
    page.goto(f"/battles/{battle_id}")
    page.wait_for_selector("#vote-form")
    assert page.locator("#verdicts").count() == 0  # the tests would decide the vote
    page.check("input[name=winner][value=model_a]")  # the answer that failed
    page.click("#submit-vote")
    page.wait_for_selector("#result")
    assert page.inner_text("#verdict-a") == "failed"
    assert page.inner_text("#verdict-b") == "passed"

    page.goto("/leaderboard")
    rows = {line.split("\t")[1].split(" ")[0]: line
            for line in page.inner_text("#leaderboard tbody").splitlines() if "\t" in line}
    assert rows["model-good"].split("\t")[5] == "100% of 24"  # the pass-rate column
    assert rows["model-bad"].split("\t")[5] == "0% of 24"

    admin = page.context.browser.new_context(base_url=page.url.split("/leaderboard")[0])
    try:
        admin_page = admin.new_page()
        admin_page.goto("/login")
        admin_page.fill("input[name=username]", ADMIN[0])
        admin_page.fill("input[name=password]", ADMIN[1])
        admin_page.click("button[type=submit]")
        admin_page.wait_for_url("**/admin")
        assert admin_page.inner_text("#test-disagree") == "1"
        assert "1 counted votes, 1 decided" in admin_page.inner_text("#test-agreement")
        assert admin_page.locator("#gold-impossible").count() == 0
    finally:
        admin.close()
