"""Checking on a Ray cluster: one actor per node, each holding that node's warm pool.

The driver (the process that writes ``results.jsonl`` and the store) ships *batches* of
jobs to one :class:`NodeChecker` actor per node; the actor feeds them to a local
checker pool (the very pool ``--executor local`` uses, made by ``._checkers``'s
``checkers()``), which stays warm for the whole run, fork-server and sandboxes
included. A batch's verdicts come back together, so a batch is either reported whole
or not at all: when a node dies, its unreported batches go to the nodes left, and no
verdict is ever reported twice.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Any

from fairclimb._version import __version__
from fairclimb.errors import ClusterError, FairclimbError
from fairclimb.evaluate._records import Status, Verdict
from fairclimb.evaluate.judge._pool import Job, JobQueue
from fairclimb.executor import connect
from fairclimb.sandbox import Limits
from fairclimb.suites import Task

__all__ = ["NodeChecker", "NodeSpec", "RayPool"]

log = logging.getLogger(__name__)

_BATCHES_IN_FLIGHT = 3  # per node, so its pool never waits for the driver
_JOBS_PER_CHECKER = 4  # a batch's size, at most, per checker of the node
_MAX_LOSSES = 3  # nodes a batch may outlive before its samples count as crashed
_POLL_S = 0.05  # how often an open stream is looked at while batches are out
_CLOSE_TIMEOUT_S = 30.0
_TASK_WAIT_S = 300.0  # for the batch that carries a task (already sent, same node)


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """What every node's checker pool is made with (``checkers()``'s
    arguments but the tasks, which travel with the batches)."""

    sandbox: str
    limits: Limits
    node: str | None
    perf_runs: int
    perf_seed: int
    # ``checkers()`` itself, handed over rather than imported (that module imports this
    # one); Ray ships a module-level function by name, so a node imports it there.
    make: Callable[..., Any]


class NodeChecker:
    """The actor of one node: its checker pool runs in a thread, fed by every
    :meth:`check` call (several at a time), so it is busy between batches."""

    def __init__(self, spec: NodeSpec, workers: int) -> None:
        self._spec = spec
        self._workers = workers
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)  # a task reached the pool
        self._queue = JobQueue()
        self._calls: dict[int, tuple[Job, _Call]] = {}
        self._next = 0
        self._failure: BaseException | None = None
        self._pool: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> tuple[str, int]:
        """Start the node's checkers; the node's fairclimb version and how many
        checkers it started."""
        spec = self._spec
        self._pool = spec.make({}, self._workers, workers=self._workers, sandbox=spec.sandbox,
                              limits=spec.limits, node=spec.node, perf_runs=spec.perf_runs,
                              perf_seed=spec.perf_seed).__enter__()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return __version__, int(self._pool.workers)

    def check(self, tasks: list[Task], jobs: list[Job]) -> list[tuple[int, Verdict]]:
        """The verdict of every job, keyed as the driver keyed them."""
        call = _Call(len(jobs))
        with self._arrived:
            for task in tasks:
                self._pool.tasks.setdefault(task.task_id, task)
            self._arrived.notify_all()
            # A task travels with the first batch that needs it only, and calls run in
            # threads: this batch may have overtaken that one, which is on its way.
            if not self._arrived.wait_for(
                    lambda: all(job.task_id in self._pool.tasks for job in jobs),
                    timeout=_TASK_WAIT_S):
                raise RuntimeError("a batch came without its tasks and they never followed")
            ours = []
            for job in jobs:  # keys of our own: calls of several runs never collide
                self._calls[self._next] = (job, call)
                ours.append(Job(self._next, job.task_id, job.program))
                self._next += 1
            failure = self._failure
        if failure is None:
            self._queue.put(ours)
            call.done.wait()
        if self._failure is not None:
            raise self._failure
        return call.verdicts

    def close(self) -> None:
        self._queue.close()
        if self._thread is not None:
            self._thread.join()
        if self._pool is not None:
            self._pool.__exit__(None, None, None)
        self._queue.dispose()

    def _serve(self) -> None:
        try:
            self._pool.run(self._queue, self._judged)
        except BaseException as exc:  # the pool cannot go on: every waiting call fails
            with self._lock:
                self._failure = exc
                waiting = [call for _, call in self._calls.values()]
            for call in waiting:
                call.done.set()

    def _judged(self, job: Job, verdict: Verdict) -> None:
        with self._lock:
            theirs, call = self._calls.pop(job.key)
        call.verdicts.append((theirs.key, verdict))
        if len(call.verdicts) == call.expected:
            call.done.set()


@dataclass(slots=True)
class _Call:
    expected: int
    verdicts: list[tuple[int, Verdict]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(slots=True)
class _Node:
    node_id: str
    actor: Any
    checkers: int
    known: set[str] = field(default_factory=set)  # tasks it has been sent
    out: int = 0  # batches in flight


@dataclass(slots=True)
class _Batch:
    jobs: list[Job]
    node: _Node


class RayPool:
    """The engine's judge on a Ray cluster: the same interface as the local pool."""

    def __init__(self, tasks: Mapping[str, Task], spec: NodeSpec,
                 address: str | None, per_node: int | None = None) -> None:
        self.tasks = dict(tasks)
        self.node = spec.node
        self.spec = spec
        self.address = address
        self.per_node = per_node  # checkers per node; None: one per CPU Ray sees on it
        self.lost_batches = 0  # batches re-run because their node died
        self._ray: Any = None
        self._nodes: list[_Node] = []
        self._tried: set[str] = set()  # nodes an actor was started on (alive or not)
        self._losses: dict[int, int] = {}  # job key -> nodes that died holding it

    def __enter__(self) -> RayPool:
        self._ray = connect(self.address)
        self._nodes = self._start_nodes()
        if not self._nodes:
            raise ClusterError(f"the Ray cluster at {self.address or 'this machine'} has no "
                               "node with a CPU to check samples on")
        log.info("checking on %d Ray node(s), with %s checkers", len(self._nodes),
                 ", ".join(str(node.checkers) for node in self._nodes))
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc_info: object) -> None:
        ray = self._ray
        if ray is None or not ray.is_initialized():
            # This process already left the cluster (ray.shutdown(), or a pool closed at
            # exit): its actors went with it, and a Ray call now would start a new Ray.
            self._nodes = []
            return
        try:
            if kind is None:  # done: the nodes stop their checkers in order
                closing = [node.actor.close.remote() for node in self._nodes]
                ray.wait(closing, num_returns=len(closing), timeout=_CLOSE_TIMEOUT_S)
        finally:
            # Interrupted or failed: what the nodes are checking no longer matters (their
            # checkers see the actor's end and exit).
            for node in self._nodes:
                ray.kill(node.actor)
            self._nodes = []

    def run(self, jobs: Iterable[Job] | JobQueue,
            on_verdict: Callable[[Job, Verdict], None]) -> None:
        """Check every job on the cluster; *on_verdict* is called in this thread, once
        per job, as each batch comes back. A :class:`JobQueue` may be filled while
        this runs, as with the local pool."""
        source = jobs if isinstance(jobs, JobQueue) else None
        queue: deque[Job] = deque() if isinstance(jobs, JobQueue) else deque(jobs)
        out: dict[Any, _Batch] = {}
        self._losses = {}
        while True:
            if source is not None:
                queue.extend(source.take())
            open_stream = source is not None and not source.finished
            if not queue and not out and not open_stream:
                return
            self._dispatch(queue, out)
            if not out:
                if source is not None:  # nothing out: only the stream can bring work
                    wait([source.fileno()], timeout=1.0)
                continue
            ready, _ = self._ray.wait(list(out), num_returns=1,
                                      timeout=_POLL_S if open_stream else None)
            for ref in ready:
                self._collect(ref, out, queue, on_verdict)

    # -- internals ------------------------------------------------------------------

    def _dispatch(self, queue: deque[Job], out: dict[Any, _Batch]) -> None:
        alive = len(self._nodes)
        for node in self._nodes:
            while queue and node.out < _BATCHES_IN_FLIGHT:
                size = min(_JOBS_PER_CHECKER * node.checkers,
                           max(1, math.ceil(len(queue) / alive)))
                batch = [queue.popleft() for _ in range(min(size, len(queue)))]
                out[self._send(node, batch)] = _Batch(batch, node)

    def _send(self, node: _Node, batch: list[Job]) -> Any:
        new = {job.task_id: self.tasks[job.task_id] for job in batch
               if job.task_id not in node.known}
        node.known.update(new)
        node.out += 1
        return node.actor.check.remote(list(new.values()), batch)

    def _collect(self, ref: Any, out: dict[Any, _Batch], queue: deque[Job],
                 on_verdict: Callable[[Job, Verdict], None]) -> None:
        batch = out.pop(ref)
        batch.node.out -= 1
        try:
            verdicts = self._ray.get(ref)
        except self._ray.exceptions.RayTaskError as exc:  # the node's pool failed
            raise _cause(exc) from None
        except self._ray.exceptions.RayError:  # the node (or its actor) is gone
            self._lose(batch.node, batch, out, queue, on_verdict)
            return
        by_key = {job.key: job for job in batch.jobs}
        for key, verdict in verdicts:
            on_verdict(by_key.pop(key), verdict)

    def _lose(self, node: _Node, batch: _Batch, out: dict[Any, _Batch], queue: deque[Job],
              on_verdict: Callable[[Job, Verdict], None]) -> None:
        """*node* died: every batch it held goes back to the front of the queue (none of
        it was reported), and any node without an actor yet gets one."""
        lost = [batch] + [b for b in out.values() if b.node is node]
        for ref in [r for r, b in out.items() if b.node is node]:
            del out[ref]
        if node in self._nodes:
            self._nodes.remove(node)
            log.warning("a Ray node (%s) died; its %d unfinished samples run elsewhere",
                        node.node_id[:12], sum(len(b.jobs) for b in lost))
        self.lost_batches += len(lost)
        again: list[Job] = []
        for job in (job for each in lost for job in each.jobs):
            self._losses[job.key] = self._losses.get(job.key, 0) + 1
            if self._losses[job.key] >= _MAX_LOSSES:  # node after node died on it: stop
                on_verdict(job, Verdict(Status.CRASHED, f"{_MAX_LOSSES} Ray nodes died "
                                        "while checking this sample"))
            else:
                again.append(job)
        queue.extendleft(reversed(again))  # first in line, in their order
        self._nodes.extend(self._start_nodes())
        if not self._nodes:
            raise ClusterError("every Ray node checking samples died; what was checked is "
                               "kept: rerun the same command to resume")

    def _start_nodes(self) -> list[_Node]:
        """An actor on every live node with a CPU that has not had one yet."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        ray = self._ray
        actor_class = ray.remote(NodeChecker)
        started: list[tuple[_Node, Any]] = []
        for info in ray.nodes():
            cpus = int(info.get("Resources", {}).get("CPU", 0))
            if not info.get("Alive") or cpus < 1 or info["NodeID"] in self._tried:
                continue
            self._tried.add(info["NodeID"])
            workers = self.per_node or cpus
            actor = actor_class.options(
                num_cpus=0, max_concurrency=_BATCHES_IN_FLIGHT + 2, max_restarts=0,
                scheduling_strategy=NodeAffinitySchedulingStrategy(info["NodeID"], soft=False),
            ).remote(self.spec, workers)
            started.append((_Node(info["NodeID"], actor, workers), actor.start.remote()))
        nodes = []
        for node, ready in started:
            try:
                started_as = ray.get(ready)
            except ray.exceptions.RayTaskError as exc:  # its sandbox cannot start
                raise _cause(exc) from None
            except ray.exceptions.RayError:
                log.warning("a Ray node (%s) died before it could check samples",
                            node.node_id[:12])
                continue
            # an older fairclimb's actor says only its version
            version, node.checkers = (started_as if isinstance(started_as, tuple)
                                      else (started_as, node.checkers))
            if version != __version__:
                raise ClusterError(f"a Ray node runs fairclimb {version}, this machine "
                                   f"{__version__}: install the same version on every node")
            nodes.append(node)
        return nodes


def _cause(exc: Any) -> BaseException:
    """What a node raised, as itself when it is one of ours (a sandbox that cannot
    start says why in one sentence), else as a :class:`ClusterError`."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, FairclimbError):
        return cause
    first = str(cause or exc).strip().splitlines()
    return ClusterError(f"a Ray node failed: {first[0][:300] if first else type(exc).__name__}")
