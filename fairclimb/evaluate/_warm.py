"""Checkers started early: their start-up overlaps the caller's own.

A checker process needs a moment to start (its imports, then its sandbox's zygote).
``fairclimb eval`` spends about as long reading the samples file and opening the store
before it has a job to give, so it starts the checkers first and hands them to the
engine once it knows what to run. The engine checks that they fit the run (same suite
tasks, sandbox, limits, Node.js); if not, it starts its own, as it always did.

Started before the suite is known (``suite=None``: ``fairclimb eval`` starts them before
it imports the store and the engine), they are Python-only checkers with no tasks yet:
the run's suite becomes theirs when the engine asks whether they fit, unless it has
optimize tasks or JavaScript ones, which they cannot judge as the run's own would.
"""

from __future__ import annotations

from fairclimb.errors import SandboxError
from fairclimb.evaluate._engine import EvalOptions
from fairclimb.evaluate.judge._checkers import checkers
from fairclimb.evaluate.judge._efficiency import is_measured
from fairclimb.evaluate.judge._pool import Pool, node_for
from fairclimb.suites import Suite

__all__ = ["WarmCheckers"]


class WarmCheckers:
    """Checkers for *suite* under *options*, started on entering and stopped on leaving
    (killed when leaving with an exception: bad input found while they started).

    Nothing is started for a suite with optimize tasks (their heavy inputs are drawn
    from the run's seed, which is known only once the store says whether the run
    resumes) or with JavaScript tasks when Node.js is missing (the plan says what to
    do in its own words, if the samples need it at all).
    """

    def __init__(self, suite: Suite | None, options: EvalOptions) -> None:
        self._suite = suite
        self._options = options
        self._pool: Pool | None = None

    def __enter__(self) -> WarmCheckers:
        tasks = self._suite.tasks if self._suite is not None else ()
        if self._suite is not None and (not tasks or any(is_measured(t) for t in tasks)):
            return self
        try:
            node = node_for(tasks, self._options.node)
        except SandboxError:
            return self
        options = self._options
        if options.executor is not None and options.executor.remote:
            return self  # a cluster's nodes start their own checkers, once per run
        pool = checkers({task.task_id: task for task in tasks}, options.workers,
                        workers=options.workers, sandbox=options.sandbox,
                        limits=options.limits, node=node, perf_runs=options.perf_runs)
        assert isinstance(pool, Pool)  # no executor given: checkers on this machine
        self._pool = pool.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc_info: object) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:  # a pool the engine already left is stopped: this does nothing
            pool.__exit__(kind, *exc_info)

    @property
    def started(self) -> bool:
        return self._pool is not None

    def fitting(self, suite: Suite, options: EvalOptions, node: str | None) -> Pool | None:
        """The started checkers if they can judge *suite*'s samples exactly as checkers
        started for the run would; None otherwise. This object still stops them."""
        pool = self._pool
        if pool is None or any(is_measured(task) for task in suite.tasks):
            return None
        if self._suite is None and not pool.tasks:  # started before the suite was known
            pool.tasks = {task.task_id: task for task in suite.tasks}
        same = (pool.backend_name == options.sandbox and pool.limits == options.limits
                and pool.perf_runs == options.perf_runs
                and (node is None or pool.node == node)
                and all(pool.tasks.get(task.task_id) == task for task in suite.tasks))
        return pool if same else None
