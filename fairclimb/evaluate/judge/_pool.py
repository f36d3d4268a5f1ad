"""A pool of checker processes, each owning one warm sandbox.

The trusted tests run in the checker processes (one per worker, so checking uses every
core); the untrusted programs run in each checker's sandbox. The pool's own process
only dispatches jobs and collects verdicts. A watchdog bounds every job: a checker that
stops answering (a hostile answer made a trusted helper crawl, say) is killed, its job
is recorded as a timeout, and a fresh checker takes its place.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from fairclimb.errors import FairclimbError, SandboxError
from fairclimb.evaluate._records import Status, Verdict
from fairclimb.evaluate._text import well_formed
from fairclimb.evaluate.judge._checker import CompiledTask, check_program, compile_task
from fairclimb.evaluate.judge._efficiency import (
    DEFAULT_RUNS,
    CostMeter,
    MeasurementError,
    SpeedJudge,
    is_measured,
)
from fairclimb.evaluate.judge._jobs import Job, JobQueue
from fairclimb.sandbox import Limits, Sandbox, find_node, select_backend
from fairclimb.suites import Language, Task

__all__ = ["Job", "JobQueue", "Pool", "node_for"]

log = logging.getLogger(__name__)

_IN_FLIGHT = 3  # jobs queued per checker, so none waits on the dispatcher
_WATCHDOG_SLACK_S = 15.0
_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 5.0
_DETAIL_LIMIT = 500


@dataclass(slots=True)
class _Checker:
    process: Any
    conn: Connection
    pending: deque[Job] = field(default_factory=deque)
    since: float = 0.0  # when it last answered, or was given work while idle
    known: set[str] = field(default_factory=set)  # tasks already sent to it
    ready: bool = False  # it said it started (its sandbox is up)


def node_for(tasks: Iterable[Task], node: str) -> str | None:
    """Node.js's absolute path when some of *tasks* are JavaScript, else None.

    Raises :class:`SandboxError` saying how to install Node when it is needed and missing,
    so callers can check this before they write anything.
    """
    if any(task.language is Language.JAVASCRIPT for task in tasks):
        return find_node(node)
    return None


def _checker_main(conn: Connection, backend_name: str, limits: Limits,
                  node: str | None, perf_runs: int = DEFAULT_RUNS,
                  perf_seed: int | None = None) -> None:
    """Entry point of a checker process: receives (new tasks, jobs) batches."""
    # Ctrl-C reaches the whole process group; the dispatcher decides what it means.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tasks: dict[str, Task] = {}
    compiled: dict[str, CompiledTask | Verdict] = {}
    try:
        sandbox = Sandbox(select_backend(backend_name), limits, node)
        sandbox.start()
    except FairclimbError as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", None))
    # Optimize tasks are measured in a second sandbox of the checker's own; it starts
    # only when a sample of such a task passes. perf_runs=0: the tests' verdict only
    # (the adequacy gate and debug builds, whose mutants need no cost).
    meter = CostMeter(backend_name, limits, max(1, perf_runs))
    speed = None
    if perf_runs > 0:
        speed = SpeedJudge(meter) if perf_seed is None else SpeedJudge(meter, seed=perf_seed)
    with contextlib.closing(sandbox), contextlib.closing(meter):  # started above
        while True:
            try:
                message: tuple[list[Task], list[Job]] | None = conn.recv()
            except EOFError:
                return
            if message is None:
                return
            new_tasks, batch = message
            tasks.update((task.task_id, task) for task in new_tasks)
            for job in batch:
                checking = compiled.get(job.task_id)
                if checking is None:
                    checking = compiled[job.task_id] = _compiled(tasks[job.task_id])
                verdict = _judge(sandbox, speed, checking, job.program)
                conn.send(("verdict", (job.key, verdict)))


def _compiled(task: Task) -> CompiledTask | Verdict:
    """*task* ready to check answers, or, when its own tests cannot be compiled (a
    broken suite), the verdict of every sample of it: compiled once per checker."""
    try:
        return compile_task(task)
    except (Exception, SystemExit) as exc:  # the suite's code, run at compile time
        log.warning("the tests of %s cannot be compiled: %s", task.task_id,
                    type(exc).__name__)
        return Verdict(Status.CRASHED, _detail(
            f"the tests of {task.task_id} cannot be compiled (a broken task)", exc))


def _judge(sandbox: Sandbox, speed: SpeedJudge | None, checking: CompiledTask | Verdict,
           program: str) -> Verdict:
    """The verdict of one job: whatever fails while judging it is that verdict, never the
    checker's death (its successor would measure the references again, and the next
    job of a broken task would kill it too)."""
    if isinstance(checking, Verdict):
        return checking
    try:
        verdict = check_program(sandbox, checking, program)
        if speed is not None:
            verdict = speed.judge(checking, program, verdict)
    except SandboxError as exc:
        return Verdict(Status.CRASHED, _detail("the sandbox failed", exc))
    except MeasurementError as exc:
        return Verdict(Status.CRASHED, _detail("cannot measure the cost", exc))
    except Exception as exc:
        log.warning("judging a sample of %s raised %s", checking.task.task_id,
                    type(exc).__name__)
        return Verdict(Status.CRASHED, _detail("the trusted checker failed", exc))
    return verdict


def _detail(what: str, exc: BaseException) -> str:
    """*what* and the exception, bounded and well-formed: its message may quote the
    sandbox, a sample or a suite's code (lone surrogates, NUL, any length)."""
    try:
        text = str(exc)
    except Exception:  # a message that cannot even be made (a huge int in its args)
        text = "<its message cannot be shown>"
    if not isinstance(exc, FairclimbError):
        text = f"{type(exc).__name__}: {text}"
    return well_formed(f"{what}: {text}"[:_DETAIL_LIMIT])


class Pool:
    """Checks jobs on *workers* checker processes; verdicts arrive through a callback."""

    def __init__(self, workers: int, backend_name: str, limits: Limits,
                 tasks: Mapping[str, Task], watchdog_slack_s: float = _WATCHDOG_SLACK_S,
                 node: str | None = None, perf_runs: int = DEFAULT_RUNS,
                 perf_seed: int | None = None) -> None:
        """*node* is Node.js's absolute path, needed when some tasks are JavaScript
        (see :func:`node_for`); *perf_runs* is the runs per cost measurement of optimize
        tasks, 0 to judge by the tests alone; *perf_seed* the seed every checker draws
        the heavy inputs from (None: each checker draws its own)."""
        self.workers = workers
        self.node = node
        self.perf_runs = perf_runs
        self.perf_seed = perf_seed
        self.watchdog_slack_s = watchdog_slack_s
        self.backend_name = backend_name
        self.limits = limits
        self.tasks = dict(tasks)
        self._context = multiprocessing.get_context("spawn")
        self._checkers: list[_Checker] = []

    def start(self) -> Pool:
        """Start the checker processes without waiting for them, so their start-up
        (imports, sandbox) overlaps whatever the caller does before :meth:`__enter__`."""
        if not self._checkers:
            self._checkers = [self._spawn() for _ in range(self.workers)]
        return self

    def __enter__(self) -> Pool:
        # Started together and awaited together: each needs a moment to start.
        self.start()
        try:
            for checker in self._checkers:
                if not checker.ready:
                    self._await_ready(checker)
        except BaseException:
            self.__exit__(SandboxError, None, None)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc_info: object) -> None:
        if kind is None:
            # Told together, awaited together: each closes its sandbox at the same time.
            for checker in self._checkers:
                with contextlib.suppress(OSError):
                    checker.conn.send(None)
            deadline = time.monotonic() + _STOP_TIMEOUT_S
            for checker in self._checkers:
                checker.process.join(timeout=max(0.0, deadline - time.monotonic()))
        # Whatever has not exited by now (or ever, when interrupted or failed: what the
        # checkers are doing no longer matters) is killed.
        for checker in self._checkers:
            self._kill(checker)
        self._checkers = []

    def run(self, jobs: Iterable[Job] | JobQueue,
            on_verdict: Callable[[Job, Verdict], None]) -> None:
        """Check every job; *on_verdict* is called in this process as each one ends.

        *jobs* may be a :class:`JobQueue` that another thread fills while this runs (say,
        as a model's answers arrive); then this returns once the queue is closed and
        everything put into it has been checked.
        """
        source = jobs if isinstance(jobs, JobQueue) else None
        queue: deque[Job] = deque() if isinstance(jobs, JobQueue) else deque(jobs)
        while True:
            if source is not None:
                queue.extend(source.take())
            idle = not queue and not any(c.pending for c in self._checkers)
            if idle and (source is None or source.finished):
                return
            self._dispatch(queue)
            waiting: list[Any] = [c.conn for c in self._checkers if c.pending]
            if source is not None and not source.finished:
                waiting.append(source)
            ready = wait(waiting, timeout=1.0)
            for checker in list(self._checkers):
                if checker.conn in ready:
                    self._collect(checker, on_verdict)
            self._watch(on_verdict)

    # -- internals ------------------------------------------------------------------

    def _dispatch(self, queue: deque[Job]) -> None:
        for checker in self._checkers:
            room = _IN_FLIGHT - len(checker.pending)
            if room <= 0 or not queue:
                continue
            batch = [queue.popleft() for _ in range(min(room, len(queue)))]
            if not checker.pending:
                checker.since = time.monotonic()
            checker.pending.extend(batch)
            # A dead checker is found by the watchdog, which re-queues its jobs.
            with contextlib.suppress(OSError):
                self._send(checker, batch)

    def _collect(self, checker: _Checker, on_verdict: Callable[[Job, Verdict], None]) -> None:
        try:
            while checker.conn.poll():
                kind, payload = checker.conn.recv()
                if kind != "verdict":
                    continue
                key, verdict = payload
                # Keyed by the job, not by its place: a verdict can never be taken for
                # another job's.
                job = next((job for job in checker.pending if job.key == key), None)
                if job is None:
                    continue
                checker.pending.remove(job)
                checker.since = time.monotonic()
                on_verdict(job, verdict)
        except (EOFError, OSError):
            self._replace(checker, on_verdict, "the trusted checker process died")

    def _watch(self, on_verdict: Callable[[Job, Verdict], None]) -> None:
        now = time.monotonic()
        for checker in list(self._checkers):
            if not checker.pending:
                continue
            if not checker.process.is_alive():
                # Verdicts it sent before it died are still in the pipe: read them all
                # first (which ends in EOF, and so in its replacement), so that the job
                # blamed is the one it was checking, never one it had already judged.
                self._collect(checker, on_verdict)
                if any(c is checker for c in self._checkers):
                    self._replace(checker, on_verdict, "the trusted checker process died")
            elif now - checker.since > self._time_allowed(checker.pending[0]):
                self._replace(checker, on_verdict, "checking did not finish in time",
                              Status.TIMEOUT)

    def _time_allowed(self, job: Job) -> float:
        runs = 1
        if is_measured(self.tasks[job.task_id]):
            # The tests, then the heavy runs: the candidate's, an idle program's and,
            # the first time, both references'.
            runs += 4 * self.perf_runs
        return runs * self.limits.wall_s + self.watchdog_slack_s

    def _replace(self, checker: _Checker, on_verdict: Callable[[Job, Verdict], None],
                 why: str, status: Status = Status.CRASHED) -> None:
        """Kill *checker*; its current job fails, the rest go to its successor."""
        log.warning("%s; starting a new checker", why)
        self._kill(checker)
        index = next(i for i, c in enumerate(self._checkers) if c is checker)
        successor = self._spawn()
        self._await_ready(successor)
        self._checkers[index] = successor
        if checker.pending:
            current = checker.pending.popleft()
            on_verdict(current, Verdict(status, f"{why} while checking this sample"))
        if checker.pending:
            successor.pending.extend(checker.pending)
            successor.since = time.monotonic()
            self._send(successor, list(checker.pending))

    def _send(self, checker: _Checker, batch: list[Job]) -> None:
        """Send *batch*, with the tasks the checker has not seen yet."""
        new = [self.tasks[job.task_id] for job in batch if job.task_id not in checker.known]
        new = list({task.task_id: task for task in new}.values())
        checker.known.update(task.task_id for task in new)
        checker.conn.send((new, batch))

    def _spawn(self) -> _Checker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_checker_main,
            args=(theirs, self.backend_name, self.limits, self.node, self.perf_runs,
                  self.perf_seed),
            daemon=True,
        )
        process.start()
        theirs.close()
        return _Checker(process=process, conn=ours)

    def _await_ready(self, checker: _Checker) -> None:
        if not checker.conn.poll(_START_TIMEOUT_S):
            self._kill(checker)
            raise SandboxError("a checker process did not start within a minute")
        try:
            kind, detail = checker.conn.recv()
        except EOFError:
            kind, detail = "failed", "the checker process exited while starting"
        if kind != "ready":
            self._kill(checker)
            raise SandboxError(str(detail))
        checker.ready = True

    @staticmethod
    def _kill(checker: _Checker) -> None:
        if checker.process.is_alive():
            checker.process.kill()
        checker.process.join()
        checker.conn.close()
