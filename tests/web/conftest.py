"""A real arena server per module, on a SQLite file, seeded with hostile answers; a
headless browser per module, a fresh page per test, and signing in through the pages
(an invite and the briefing for a new rater, the login form for an account)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from arena_seed import PASSWORD, Running, running, seed

from fairclimb.arena import Arena, ArenaOptions, Role
from fairclimb.store import Store

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright (one per test module)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    db = Path(tmp_path_factory.mktemp("arena")) / "arena.db"
    with Store.open(str(db)) as store:
        arena = Arena(store, ArenaOptions(votes_per_minute=20, gold_rate=0.0),
                      np.random.default_rng(7))
        seed(arena)
        with running(arena) as live:
            yield live


@pytest.fixture
def page(browser: Any, server: Running) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies from another test) on *server*."""
    context = browser.new_context(base_url=server.url)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


#: where accepting the briefing leads: the battle page, or a battle already waiting
TO_BATTLE = r".*/(battle|battles/\d+)$"


@pytest.fixture
def join(server: Running) -> Callable[..., int]:
    """``join(page, username)``: accept an invite in the browser as a new rater, then the
    briefing (``on_briefing(page)`` runs on the briefing page first; ``accept=False``
    stops there); the new account's id."""

    def join_(page: Any, username: str, *, landing: str = TO_BATTLE, accept: bool = True,
              on_briefing: Callable[[Any], None] | None = None) -> int:
        token = server.arena.accounts.invite(Role.RATER)
        page.goto(f"/invite/{token}")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/briefing")
        if on_briefing is not None:
            on_briefing(page)
        if accept:
            page.click("#accept")
            page.wait_for_url(re.compile(landing))
        account = server.arena.data.account(username=username)
        assert account is not None
        return account.id

    return join_


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """``sign_in(page, username, password)``: through the login form; waits for
    *landing* (a glob), or for the next page when it is None."""

    def sign_in_(page: Any, username: str, password: str, *,
                 landing: str | None = "**/admin") -> None:
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        if landing is None:
            with page.expect_navigation():
                page.click("button[type=submit]")
            return
        page.click("button[type=submit]")
        page.wait_for_url(landing)

    return sign_in_
