"""A real arena server per module, on a SQLite file, seeded with hostile answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from arena_seed import Running, running, seed

from fairclimb.arena import Arena, ArenaOptions
from fairclimb.store import Store


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    db = Path(tmp_path_factory.mktemp("arena")) / "arena.db"
    with Store.open(str(db)) as store:
        arena = Arena(store, ArenaOptions(votes_per_minute=20, gold_rate=0.0),
                      np.random.default_rng(7))
        seed(arena)
        with running(arena) as live:
            yield live
