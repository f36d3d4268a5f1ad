"""Fixtures shared by every test folder: the local OpenAI-protocol server, a local Ray
cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI
from ray_cluster import RayCluster, local_cluster


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


@pytest.fixture(autouse=True)
def _own_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
                       ) -> Path:
    """Each test its own per-user data directory (where a store no --db names and no
    fairclimb.db or fairclimb.toml above the current directory finds lives), inherited
    by the commands it runs: no test reads or writes the real user's store."""
    data = tmp_path_factory.mktemp("user-data")
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    return data


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[RayCluster]:
    """A local Ray cluster (head + one worker node) shared by the ``--executor ray``
    tests of this session (one per xdist worker); skipped where Ray is not installed."""
    pytest.importorskip("ray")
    with local_cluster() as cluster:
        yield cluster
