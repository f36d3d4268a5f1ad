"""Joining a Ray cluster, and mapping pure functions over chunks on it.

Ray is imported here, and only when a command asks for it, so that fairclimb starts
fast and works without it.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TypeVar

from fairclimb.errors import ClusterError, UserInputError
from fairclimb.executor._kind import ExecutorChoice

__all__ = ["connect", "map_chunks", "reach"]

log = logging.getLogger(__name__)

_ANSWER_TIMEOUT_S = 5.0
_T = TypeVar("_T")
_R = TypeVar("_R")

_joined: list[str | None] = []  # the address this process joined, once it has


def _import_ray() -> ModuleType:
    try:
        import ray
    except ImportError:
        raise UserInputError("--executor ray needs Ray on this machine and on every node: "
                             "pip install 'fairclimb[ray]'") from None
    return ray


def connect(address: str | None) -> ModuleType:
    """The ``ray`` module, joined to the cluster at *address* (``HOST:PORT``; None: the
    one ``RAY_ADDRESS`` names, else a Ray of this machine's own). Joins once per process.

    Raises :class:`ClusterError` in one sentence when nothing answers at *address* or
    the cluster cannot be joined, before anything is written.
    """
    ray = _import_ray()
    if ray.is_initialized():
        if not _joined or _joined[0] == address or address is None:
            return ray
        ray.shutdown()  # another cluster than the one this process joined
    if address is not None:
        _answers(address)
    try:
        ray.init(address=address, namespace="fairclimb", log_to_driver=False,
                 logging_level=logging.WARNING)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError...
        where = f"at {address}" if address else "of this machine"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ClusterError(f"cannot join the Ray cluster {where}: {first[:300]}") from None
    _joined[:] = [address]
    return ray


def reach(choice: ExecutorChoice | None) -> None:
    """Join the cluster *choice* names, if it names one: a command calls this before
    it writes anything, so a cluster that does not answer leaves nothing behind."""
    if choice is not None and choice.remote:
        connect(choice.ray_address)


def _answers(address: str) -> None:
    """Fail fast when nothing listens at *address*: Ray itself retries for minutes."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=_ANSWER_TIMEOUT_S):
            pass
    except OSError:
        raise ClusterError(f"no Ray cluster answers at {address}: start one with `ray start "
                           "--head` and give the address it prints, or use --executor "
                           "local") from None


def map_chunks(function: Callable[[_T], _R], chunks: Sequence[_T],
               address: str | None) -> list[_R]:
    """``[function(chunk) for chunk in chunks]``, each chunk a Ray task on the cluster at
    *address*, results in order. *function* must be pure and importable (a module-level
    function): a task whose node dies is run again elsewhere (Ray's retries)."""
    ray = connect(address)
    remote = ray.remote(num_cpus=1, max_retries=3)(function)
    log.debug("%d chunks of %s go to the Ray cluster", len(chunks), function.__name__)
    try:
        return list(ray.get([remote.remote(chunk) for chunk in chunks]))
    except ray.exceptions.RayError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ClusterError(f"the Ray cluster failed a batch of work: {first[:300]}") from None
