"""Executed answers in a real browser (Debian's chromium): the tests' verdicts appear
only after the vote, the admin page counts votes that preferred the failing answer,
and the leaderboard shows each model's pass rate next to its rating."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arena_seed import ADMIN, Running

from fairclimb.store import NewBattle

pytestmark = pytest.mark.slow


def _split_battle(server: Running, rater_id: int) -> int:
    """A battle whose left answer failed its tests and whose right one passed."""
    pool = server.arena.data.sample_pool()
    bad = next(r for r in pool if r[2] == "model-bad" and r[3] is False)
    good = next(r for r in pool if r[2] == "model-good" and r[1] == bad[1])
    return server.arena.data.add_battle(NewBattle(
        rater_id, bad[1], bad[0], good[0], "model-bad", "model-good", 1.0, None,
        datetime.now(UTC) - timedelta(seconds=60)))  # read for a minute: not a fast vote


def test_verdicts_after_the_vote_disagreement_and_pass_rates(
        page: Any, server: Running, join: Callable[..., int],
        sign_in: Callable[..., None]) -> None:
    battle_id = _split_battle(server, join(page, "exec-rita"))
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
        sign_in(admin_page, *ADMIN)
        assert admin_page.inner_text("#test-disagree") == "1"
        assert "1 counted votes, 1 decided" in admin_page.inner_text("#test-agreement")
        assert admin_page.locator("#gold-impossible").count() == 0
    finally:
        admin.close()
