"""Fixtures shared by every test folder: the local OpenAI-protocol server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_openai import FakeOpenAI


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    """One server for the whole session (one per xdist worker)."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def fake_openai(fake_openai_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The session's server with its knobs and counters reset for this test."""
    fake_openai_server.reset()
    yield fake_openai_server
    fake_openai_server.reset()
