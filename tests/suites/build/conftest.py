from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fairclimb.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(str(tmp_path / "store.db")) as opened:
        yield opened
