"""A rater's tools in chromium: a refused vote keeps what they entered, skipping a task
they cannot judge, tasks numbered per rater, their own progress and earnings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from arena_seed import Running, running
from helpers import csrf_of, invited_client, new_battle

from fairclimb.arena import Arena, ArenaOptions, Role
from fairclimb.store import SampleIn, Store

pytestmark = pytest.mark.slow
PASSWORD = "rater-password-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    db = Path(tmp_path_factory.mktemp("tools")) / "t.db"
    with Store.open(str(db)) as store:
        arena = Arena(store, ArenaOptions(votes_per_minute=1_000, battles_per_minute=1_000,
                                          fast_vote_seconds=0.0, gold_rate=0.0),
                      np.random.default_rng(13))
        arena.briefing.publish(36.0, "EUR", "the test team")
        arena.import_samples([SampleIn(m, f"prompt {p}", f"{m} answers {p}")
                              for p in range(8) for m in ("m1", "m2")])
        with running(arena) as live:
            yield live


def _signed_in_page(browser: Any, server: Running, name: str,
                    sign_in: Callable[..., None]) -> Any:
    account = server.arena.accounts.create(name, PASSWORD, Role.RATER)
    server.arena.briefing.accept(account, 1)
    page = browser.new_context(base_url=server.url).new_page()
    page.set_default_timeout(10_000)
    sign_in(page, name, PASSWORD, landing=None)
    return page


def test_a_refused_vote_keeps_what_the_rater_entered(browser: Any, server: Running,
                                                      sign_in: Callable[..., None]) -> None:
    invited_client(server, "earlier").close()  # another rater's task takes an id first
    other = server.arena.data.account(username="earlier")
    assert other is not None
    server.arena.next_battle(server.arena.accounts.session(
        server.arena.accounts.start_session(other)[0]))
    page = _signed_in_page(browser, server, "keeper", sign_in)
    page.goto("/battle")
    if page.locator("#vote-form").count() == 0:
        with page.expect_navigation():
            page.click("#new-task")
    assert page.inner_text("h1") == "Task 1"  # numbered per rater, not the global id
    page.check("input[name=winner][value=model_b]")
    page.check("input[name=labels_a][value=off-by-one]")
    page.fill("textarea[name=comment]", "A stops one short")
    page.fill("textarea[name=correction]", "x" * 100_001)  # over the limit: refused
    with page.expect_navigation():
        page.click("#submit-vote")
    assert "not recorded" in page.inner_text("#vote-error")
    assert page.is_checked("input[name=winner][value=model_b]")
    assert page.is_checked("input[name=labels_a][value=off-by-one]")
    assert page.input_value("textarea[name=comment]") == "A stops one short"
    assert len(page.input_value("textarea[name=correction]")) == 100_001
    page.fill("textarea[name=correction]", "fixed()")
    with page.expect_navigation():
        page.click("#submit-vote")
    assert page.inner_text("#voted") == "B is better"
    with page.expect_navigation():
        page.click("#next-task")
    assert page.inner_text("h1") == "Task 2"
    with page.expect_navigation():
        page.click("#skip")
    keeper = server.arena.data.account(username="keeper")
    assert keeper is not None and server.arena.data.open_battle(keeper.id) is None
    page.goto("/me")
    assert page.inner_text("#tasks") == "1" and "EUR" in page.inner_text("#earned")
    page.context.close()


def test_skip_is_only_for_the_raters_own_open_task(server: Running) -> None:
    rater, other = invited_client(server, "skipper"), invited_client(server, "nosy")
    battle = new_battle(rater)
    page = other.get("/battle")
    refused = other.post(f"/battles/{battle}/skip", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 403
    mine = rater.get(f"/battles/{battle}")
    assert rater.post(f"/battles/{battle}/skip",
                      data={"csrf": csrf_of(mine.text)}).status_code == 303
    again = rater.post(f"/battles/{battle}/skip", data={"csrf": csrf_of(mine.text)})
    assert again.status_code == 403  # already closed
