"""Fixtures of the sandbox threat-model tests: real sandboxes, real HumanEval tasks.

Every backend gets one warm :class:`Sandbox` for the whole session (hostile samples must
not spoil it for the next one: that is part of what is tested), and tests that poison
the sandbox on purpose ask for a ``fresh_sandbox`` of their own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from fairclimb.evaluate import CompiledTask, Verdict, check_program, compile_task
from fairclimb.sandbox import (
    CallKind,
    CallResult,
    ExitReport,
    Limits,
    LoadResult,
    Sandbox,
    bubblewrap_works,
    select_backend,
)
from fairclimb.suites import Suite, get_suite

BACKENDS = ["bwrap", "rlimits"]
SECRET_NAME = "FAIRCLIMB_TEST_SECRET"
SECRET = "s3cr3t"
# Small, so that timeouts and memory bombs cost little; 2 s of wall clock per sample.
LIMITS = Limits(wall_s=2.0, memory_bytes=256 << 20)


@pytest.fixture(scope="session")
def humaneval() -> Suite:
    return get_suite("humaneval")


@pytest.fixture(scope="session")
def compiled(humaneval: Suite) -> Callable[[str], CompiledTask]:
    cache: dict[str, CompiledTask] = {}

    def get(task_id: str) -> CompiledTask:
        if task_id not in cache:
            task = humaneval.get(task_id)
            assert task is not None, task_id
            cache[task_id] = compile_task(task)
        return cache[task_id]

    return get


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "bwrap" and not bubblewrap_works():
        pytest.skip("bubblewrap is missing or cannot create namespaces here")
    return name


def _started(name: str) -> Iterator[Sandbox]:
    # The secret is in the trusted process's environment while the zygote starts, so a
    # sandbox that inherited the environment would hand it to every sample.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_NAME, SECRET)
        with Sandbox(select_backend(name), LIMITS) as sandbox:
            yield sandbox


@pytest.fixture(scope="session")
def sandbox(backend_name: str) -> Iterator[Sandbox]:
    """The warm sandbox every test of this backend shares."""
    yield from _started(backend_name)


@pytest.fixture
def fresh_sandbox(backend_name: str) -> Iterator[Sandbox]:
    """A sandbox of its own, for tests that set out to spoil it."""
    yield from _started(backend_name)


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


Judge = Callable[[str, str], Verdict]


def _judge_with(sandbox: Sandbox, compiled: Callable[[str], CompiledTask]) -> Judge:
    def judge(task_id: str, source: str) -> Verdict:
        return check_program(sandbox, compiled(task_id), program(source))

    return judge


@pytest.fixture
def judge(sandbox: Sandbox, compiled: Callable[[str], CompiledTask]) -> Judge:
    """The trusted verdict of a program on a HumanEval task, in the shared sandbox."""
    return _judge_with(sandbox, compiled)


@pytest.fixture
def judge_fresh(fresh_sandbox: Sandbox, compiled: Callable[[str], CompiledTask]) -> Judge:
    return _judge_with(fresh_sandbox, compiled)


@dataclass
class Run:
    """What a raw execution gave back: the load, each call, and how it ended."""

    load: LoadResult
    calls: list[CallResult] = field(default_factory=list)
    exit: ExitReport | None = None
    finish_s: float = 0.0  # how long ending the sample took

    @property
    def value(self) -> Any:
        """What the first call returned; fails the test if it did not return."""
        assert self.calls, f"the program did not load: {self.load}"
        assert self.calls[0].kind is CallKind.RETURNED, self.calls[0]
        return self.calls[0].value


RunRaw = Callable[..., Run]


def _raw_runner(sandbox: Sandbox) -> RunRaw:
    def run(source: str, entry: str = "f", *calls: tuple[object, ...],
            before_finish: Callable[[Run], None] | None = None) -> Run:
        execution = sandbox.execute(program(source), entry)
        try:
            result = Run(execution.load())
            if result.load.ok:
                for args in calls or ((),):
                    result.calls.append(execution.call(tuple(args), {}))
            if before_finish is not None:
                before_finish(result)  # the sample is still running here
        finally:
            started = time.monotonic()
            ended = execution.finish()
        result.exit = ended
        result.finish_s = time.monotonic() - started
        return result

    return run


@pytest.fixture
def run_raw(sandbox: Sandbox) -> RunRaw:
    """Load *source*, call *entry* once per argument tuple (no check), then finish."""
    return _raw_runner(sandbox)


@pytest.fixture
def run_raw_fresh(fresh_sandbox: Sandbox) -> RunRaw:
    return _raw_runner(fresh_sandbox)


# ------------------------------------------------------------------- the host side

def _processes_of_uid(uid: int) -> list[int]:
    """Pids of every process on this machine whose real, effective or saved uid is *uid*."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as handle:
                status = handle.read()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("Uid:") and str(uid) in line.split()[1:]:
                found.append(int(name))
    return found


def _start_time(pid: int) -> int | None:
    """The kernel's start time of *pid* (clock ticks after boot), None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


@pytest.fixture
def processes_of_uid() -> Callable[[int], list[int]]:
    return _processes_of_uid


@pytest.fixture
def start_time() -> Callable[[int], int | None]:
    return _start_time


@dataclass
class Listener:
    """A server in the trusted process that records whatever reaches it."""

    kind: str
    address: object
    received: list[bytes] = field(default_factory=list)
    connections: int = 0


def _serve_stream(server: socket.socket, listener: Listener, stop: threading.Event) -> None:
    server.settimeout(0.1)
    while not stop.is_set():
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        except OSError:
            return
        listener.connections += 1
        with conn:
            conn.settimeout(1.0)
            try:
                while data := conn.recv(4096):
                    listener.received.append(data)
            except OSError:
                pass


def _serve_datagrams(server: socket.socket, listener: Listener, stop: threading.Event) -> None:
    server.settimeout(0.1)
    while not stop.is_set():
        try:
            data = server.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            return
        listener.received.append(data)


@pytest.fixture
def listener(request: pytest.FixtureRequest) -> Iterator[Listener]:
    """A real server: ``tcp`` or ``udp`` on 127.0.0.1 (random port), or ``unix``
    on an abstract socket name; parametrize indirectly with the kind."""
    kind: str = request.param
    if kind == "tcp":
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen()
        serve = _serve_stream
    elif kind == "unix":
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(f"\0fairclimb-test-{os.getpid()}-{id(request)}")
        server.listen()
        serve = _serve_stream
    else:
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(("127.0.0.1", 0))
        serve = _serve_datagrams
    address = server.getsockname()
    listener = Listener(kind, address.decode() if isinstance(address, bytes) else address)
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(server, listener, stop), daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


@pytest.fixture
def secret_holder() -> Iterator[int]:
    """A host process started with the secret in its environment; yields its pid."""
    env = {"PATH": "/usr/bin:/bin", SECRET_NAME: SECRET}
    holder = subprocess.Popen(["sleep", "60"], env=env)
    try:
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()
