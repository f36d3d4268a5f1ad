from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fairclimb.store import Store
from fairclimb.suites import Suite, get_suite


@pytest.fixture(scope="session")
def humaneval() -> Suite:
    return get_suite("humaneval")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(str(tmp_path / "store.db")) as opened:
        yield opened


@pytest.fixture
def write_samples(tmp_path: Path) -> Callable[[list[dict[str, object]]], Path]:
    def write(rows: list[dict[str, object]], name: str = "samples.jsonl") -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        return path

    return write
