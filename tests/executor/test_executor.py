"""Choosing the executor: what is refused, in one sentence each, before any work (no
cluster needed)."""

from __future__ import annotations

import socket
import sys

import pytest

from fairclimb.errors import ClusterError, UserInputError
from fairclimb.executor import Executor, ExecutorChoice, connect


def test_local_is_the_default() -> None:
    assert ExecutorChoice() == ExecutorChoice(Executor.LOCAL, None)
    assert not ExecutorChoice().remote


@pytest.mark.parametrize(("kind", "address", "message"), [
    (Executor.LOCAL, "10.0.0.1:6379", "--ray-address is for --executor ray"),
    (Executor.RAY, "10.0.0.1", "--ray-address takes HOST:PORT"),
    (Executor.RAY, "10.0.0.1:port", "--ray-address takes HOST:PORT"),
    (Executor.RAY, "10.0.0.1:70000", "--ray-address takes HOST:PORT"),
    (Executor.RAY, ":6379", "--ray-address takes HOST:PORT"),
])
def test_a_bad_choice_is_one_sentence(kind: Executor, address: str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        ExecutorChoice(kind, address)


def test_without_ray_installed_the_sentence_says_how_to_get_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(UserInputError, match=r"pip install 'fairclimb\[ray\]'"):
        connect("127.0.0.1:6379")


def test_an_address_nothing_answers_at_fails_fast() -> None:
    pytest.importorskip("ray")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ClusterError, match=f"no Ray cluster answers at 127.0.0.1:{port}"):
        connect(f"127.0.0.1:{port}")


def test_checkers_per_node_must_be_at_least_one() -> None:
    with pytest.raises(UserInputError, match="--workers must be at least 1"):
        ExecutorChoice(Executor.RAY, None, 0)
    assert ExecutorChoice(Executor.RAY, None, 2).workers == 2
