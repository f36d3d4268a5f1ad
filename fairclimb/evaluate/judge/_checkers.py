"""The one place a checker pool is made.

Every path that judges programs (the run engine, the warm pool for rewards, the
adequacy gate's references and mutants) gets its checkers here, so each gets Node.js
and cost measurement the same way: a second maker drifts (distill's once forgot Node.js
and ``perf_runs``, so every JavaScript answer "crashed").
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from fairclimb.evaluate.judge._pool import Pool
from fairclimb.sandbox import Limits
from fairclimb.suites import Task

__all__ = ["checkers"]


def checkers(tasks: Mapping[str, Task], jobs: int, *, workers: int, sandbox: str,
             limits: Limits, node: str | None, perf_runs: int,
             perf_seed: int | None = None) -> Pool:
    """The judge's checker processes, no more than *jobs* of them (*perf_runs* 0: the
    tests' verdict only, for references and mutants of the adequacy gate; *perf_seed*
    the run's performance-input seed, None to draw one)."""
    return Pool(max(1, min(workers, jobs)), sandbox, limits, tasks, node=node,
                perf_runs=perf_runs,
                perf_seed=secrets.randbits(63) if perf_seed is None else perf_seed)
