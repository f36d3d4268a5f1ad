"""A real arena server per module, on a SQLite file, seeded with hostile answers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from arena_seed import Running, running, seed

from fairclimb.arena import Arena, ArenaOptions
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
