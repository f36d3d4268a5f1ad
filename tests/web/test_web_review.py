"""The admin's review screen in chromium: what the rater wrote (escaped), overruling a
QC exclusion with a reason, asking more raters on a battle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from arena_seed import ADMIN, Running
from helpers import invited_client

from fairclimb.arena import Role

pytestmark = pytest.mark.slow
HOSTILE = "<script>window.__pwned = 9</script> B forgets the empty list"


def _hasty_vote(server: Running) -> int:
    """A rater votes at once (too fast to count) with labels, a comment, a correction."""
    invited_client(server, "reviewed").close()
    account = server.arena.data.account(username="reviewed")
    assert account is not None and account.role == Role.RATER
    rater = server.arena.accounts.session(server.arena.accounts.start_session(account)[0])
    battle = server.arena.next_battle(rater)
    server.arena.vote(rater, battle, "model_a", labels_b=["missing-edge-case"],
                      comment=HOSTILE, correction="def f(xs):\n    return xs or []\n")
    return battle


def test_the_admin_reviews_and_overrules_in_the_browser(
        page: Any, server: Running, sign_in: Callable[..., None]) -> None:
    battle = _hasty_vote(server)
    sign_in(page, *ADMIN)
    page.goto("/admin/review")
    vote = page.locator(f"#vote-{battle}")
    assert HOSTILE in vote.locator(".comment").inner_text()
    assert "return xs or []" in vote.locator(".correction").inner_text()
    assert vote.locator(".labels-b").inner_text() == "missing-edge-case"
    assert vote.locator(".standing").inner_text().startswith("Excluded")
    vote.locator("form.overrule input[name=why]").fill("watched the session: it was read")
    vote.locator("form.overrule button").click()
    page.wait_for_url(f"**/admin/review#vote-{battle}")
    standing = page.locator(f"#vote-{battle} .standing").inner_text()
    assert "overruled by admin" in standing and "watched the session" in standing
    page.locator(f"#vote-{battle} form.raters input[name=raters]").fill("2")
    page.locator(f"#vote-{battle} form.raters button").click()
    page.wait_for_url(f"**/admin/review#vote-{battle}")
    assert server.arena.reviews.wanted()[battle] == 2
    assert page.evaluate("window.__pwned") is None
    counted = {r.vote.battle_id: r for r in server.arena.review()}[battle]
    assert not counted.record.excluded


def test_raters_cannot_see_the_review(server: Running) -> None:
    rater = invited_client(server, "curious")
    assert rater.get("/admin/review").status_code == 403
    rater.close()
    anonymous = httpx.get(f"{server.url}/admin/review", follow_redirects=False)
    assert anonymous.status_code in (303, 401)


def test_the_admin_pauses_and_reopens_in_the_browser(page: Any, server: Running,
                                                     sign_in: Callable[..., None]) -> None:
    sign_in(page, *ADMIN)
    page.goto("/admin")
    _submit(page, "#pause")
    assert page.inner_text("#state").startswith("paused")
    assert server.arena.controls.paused()
    _submit(page, "#private")
    assert page.inner_text("#visibility").startswith("private")
    _submit(page, "#pause")
    _submit(page, "#private")
    assert not server.arena.controls.paused() and not server.arena.controls.private()


def _submit(page: Any, button: str) -> None:
    with page.expect_navigation():
        page.click(button)
