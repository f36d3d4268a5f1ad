"""The one place a checker pool is made.

Every path that judges programs (the run engine, the warm pool for rewards, the
adequacy gate's references and mutants) gets its checkers here, so each gets Node.js
and cost measurement the same way: a second maker drifts (distill's once forgot Node.js
and ``perf_runs``, so every JavaScript answer "crashed"). With a Ray executor the
checkers run on a cluster's nodes (:mod:`._ray_pool`), each node's pool made here too.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from fairclimb.evaluate._records import Verdict
from fairclimb.evaluate.judge._pool import Job, JobQueue, Pool
from fairclimb.executor import ExecutorChoice
from fairclimb.sandbox import Limits
from fairclimb.suites import Task

__all__ = ["Checkers", "checkers"]


class Checkers(Protocol):
    """A judge: checker processes on this machine (:class:`Pool`) or on the nodes of a
    Ray cluster; made only by :func:`checkers`."""

    tasks: dict[str, Task]
    node: str | None

    def __enter__(self) -> Checkers: ...

    def __exit__(self, kind: type[BaseException] | None, *exc_info: Any) -> None: ...

    def run(self, jobs: Iterable[Job] | JobQueue,
            on_verdict: Callable[[Job, Verdict], None]) -> None: ...


def checkers(tasks: Mapping[str, Task], jobs: int, *, workers: int, sandbox: str,
             limits: Limits, node: str | None, perf_runs: int,
             perf_seed: int | None = None,
             executor: ExecutorChoice | None = None) -> Checkers:
    """The judge's checker processes, no more than *jobs* of them (*perf_runs* 0: the
    tests' verdict only, for references and mutants of the adequacy gate; *perf_seed*
    the run's performance-input seed, None to draw one). With a Ray *executor*, every
    node of the cluster runs a pool of its own: ``executor.workers`` checkers, else one
    per CPU Ray sees on the node (*workers* sizes this machine's pool only)."""
    seed = secrets.randbits(63) if perf_seed is None else perf_seed
    if executor is not None and executor.remote:
        from fairclimb.evaluate.judge._ray_pool import NodeSpec, RayPool  # Ray when asked

        return RayPool(tasks, NodeSpec(sandbox, limits, node, perf_runs, seed, checkers),
                       executor.ray_address, executor.workers)
    return Pool(max(1, min(workers, jobs)), sandbox, limits, tasks, node=node,
                perf_runs=perf_runs, perf_seed=seed)
