"""A real Ray cluster on this machine for the ``--executor ray`` tests: a head node and
one worker node (separate raylet processes, one CPU each), as ``ray start --head`` and
``ray start --address`` would make them. Ray's own test helper starts them, with fast
health checks so that a killed node is noticed in about a second.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import fairclimb

# A node is declared dead after ~3 missed 200 ms health checks (default: ~30 s).
_FAST_HEALTH = {"health_check_initial_delay_ms": 0, "health_check_period_ms": 200,
                "health_check_timeout_ms": 500, "health_check_failure_threshold": 3}


class RayCluster:
    """The running cluster: its address, and a worker node that can be killed."""

    def __init__(self, cluster: Any) -> None:
        self._cluster = cluster
        self.worker = cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()

    @property
    def address(self) -> str:
        return str(self._cluster.address)

    def kill_worker(self) -> None:
        """SIGKILL the worker node's processes (its raylet, and so its actors)."""
        self._cluster.remove_node(self.worker, allow_graceful=False)

    def ensure_worker(self) -> None:
        """A live worker node again (after :meth:`kill_worker`)."""
        if self.worker not in self._cluster.worker_nodes:
            self.worker = self._cluster.add_node(num_cpus=1)
            self._cluster.wait_for_nodes()


@contextmanager
def local_cluster() -> Iterator[RayCluster]:
    import ray
    from ray.cluster_utils import Cluster

    # The nodes' workers import the fairclimb under test, not another installed copy.
    root = str(Path(fairclimb.__file__).resolve().parents[1])
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, saved) if p)
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "include_dashboard": False, "_system_config": _FAST_HEALTH})
    try:
        yield RayCluster(cluster)
    finally:
        ray.shutdown()
        cluster.shutdown()
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
