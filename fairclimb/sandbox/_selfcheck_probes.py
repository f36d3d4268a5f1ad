"""The threat battery's probes: each runs a small hostile program in a real sandbox
(the way the tests in ``tests/sandbox/`` do) and says what went wrong, or None when the
guarantee holds. :mod:`._selfcheck` runs them per backend and reports.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import sysconfig
import textwrap
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fairclimb.errors import SandboxError
from fairclimb.sandbox._reports import CallKind, CallResult, ExitReport
from fairclimb.sandbox._sandbox import Sandbox
from fairclimb.sandbox._uids import FIRST_UID

__all__ = ["deep_chain", "directory_bound", "environment", "files", "host_files", "ipc",
           "ipc_memory", "keyrings", "leftovers", "lost_zygote", "memory", "network",
           "output", "uids", "wall_clock"]

_ALLOWED_ENV = {"PATH", "HOME", "LANG", "TMPDIR"}


def _run(sandbox: Sandbox, source: str, *args: Any) -> tuple[CallResult, ExitReport]:
    execution = sandbox.execute(textwrap.dedent(source).lstrip("\n"), "f")
    try:
        loaded = execution.load()
        result = (execution.call(tuple(args), {}) if loaded.ok
                  else CallResult(CallKind.DIED, message=f"did not load: {loaded}"))
    finally:
        report = execution.finish()
    return result, report


def _value(sandbox: Sandbox, source: str, *args: Any) -> Any:
    result, _ = _run(sandbox, source, *args)
    if result.kind is not CallKind.RETURNED:
        raise AssertionError(f"the probe program did not return: {result}")
    return result.value


def wall_clock(sandbox: Sandbox) -> str | None:
    result, _ = _run(sandbox, "def f():\n    while True:\n        pass\n")
    return None if result.kind is CallKind.TIMED_OUT else f"an endless loop ended as {result}"


def memory(sandbox: Sandbox) -> str | None:
    result, _ = _run(sandbox, "def f(n):\n    return len(bytearray(n))\n",
                     2 * sandbox.limits.memory_bytes)
    if result.kind is CallKind.RAISED and result.error_type == "MemoryError":
        return None
    return f"allocating twice the memory limit ended as {result}"


def environment(sandbox: Sandbox) -> str | None:
    names = set(_value(sandbox, "import os\ndef f():\n    return sorted(os.environ)\n"))
    return None if names <= _ALLOWED_ENV else f"the sample saw {sorted(names - _ALLOWED_ENV)}"


def network(sandbox: Sandbox) -> str | None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    heard: list[bool] = []

    def listen() -> None:
        try:
            server.accept()[0].close()
            heard.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    try:
        said = _value(sandbox, """
            import socket
            def f(port):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.3).close()
                    return "connected"
                except OSError as exc:
                    return type(exc).__name__
            """, server.getsockname()[1])
    finally:
        thread.join()
        server.close()
    return "a sample reached a host server on 127.0.0.1" if heard or said == "connected" else None


def host_files(sandbox: Sandbox) -> str | None:
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    package = Path(__file__).resolve().parent.parent  # fairclimb/, without importing it
    paths = [str(package / "__init__.py"),
             sysconfig.get_path("purelib", vars=base)]
    seen = _value(sandbox, """
        import os
        def f(paths):
            seen = []
            for path in paths:
                try:
                    if os.path.isdir(path):
                        seen.append(bool(os.listdir(path)))
                    else:
                        open(path, "rb").close()
                        seen.append(True)
                except OSError:
                    seen.append(False)
            return seen
        """, paths)
    readable = [path for path, found in zip(paths, seen, strict=True) if found]
    return f"a sample could read {readable}" if readable else None


def leftovers(sandbox: Sandbox) -> str | None:
    _, report = _run(sandbox, """
        import os, time
        def f():
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(60)
                os._exit(0)
            time.sleep(0.1)
            return os.getuid()
        """)
    if report.leftover_processes < 1:
        return f"the zygote found no daemon to kill ({report})"
    if report.uid is not None and _processes_of_uid(report.uid):
        return f"processes of the sample's uid {report.uid} outlived it"
    return None


def files(sandbox: Sandbox) -> str | None:
    where = _value(sandbox, """
        import os
        def f():
            with open("left-behind", "w") as handle:
                handle.write("state")
            return os.getcwd()
        """)
    still = _value(sandbox, "import os\ndef f(path):\n    return os.path.exists(path)\n", where)
    return f"the next sample found {where}" if still else None


def keyrings(sandbox: Sandbox) -> str | None:
    said = _value(sandbox, """
        import ctypes, platform
        libc = ctypes.CDLL(None, use_errno=True)
        def f(marker):
            number = {"x86_64": 248, "aarch64": 217}.get(platform.machine())
            if number is None:
                return "unknown machine"
            key = libc.syscall(number, b"user", marker.encode(), b"x", 1, ctypes.c_int(-4))
            return "refused" if key < 0 else "added"
        """, f"fairclimb-self-check-{uuid.uuid4().hex}")
    return None if said == "refused" else f"a sample could add a kernel key ({said})"


_IPC_WRITER = """
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    def f(key):
        return libc.shmget(key, 4096, 0o1666) >= 0 and libc.msgget(key, 0o1666) >= 0
    """
_IPC_READER = """
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    def f(key):
        return libc.shmget(key, 0, 0) >= 0 or libc.msgget(key, 0) >= 0
    """


def ipc(sandbox: Sandbox) -> str | None:
    key = uuid.uuid4().int % (1 << 30) + 1
    if not _value(sandbox, _IPC_WRITER, key):
        return "a sample could not create IPC objects at all"
    return "the next sample found the IPC objects" if _value(sandbox, _IPC_READER, key) else None


def ipc_memory(sandbox: Sandbox) -> str | None:
    made = _value(sandbox, """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        def f():
            made = 0
            while made < 40 and libc.shmget(0, 8 << 20, 0o1600) >= 0:
                made += 1
            return made
        """)
    return None if made * 8 <= 16 else f"a sample reserved {made * 8} MiB of shared memory"


def uids(sandbox: Sandbox) -> str | None:
    uids = [_value(sandbox, "import os\ndef f():\n    return os.getuid()\n") for _ in range(3)]
    if len(set(uids)) != len(uids) or min(uids) < FIRST_UID:
        return f"samples ran as uids {uids}"
    return None


def directory_bound(sandbox: Sandbox) -> str | None:
    limits = sandbox.limits
    written, files = _value(sandbox, """
        def f(size, count):
            written = files = 0
            try:
                for i in range(count):
                    with open(f"f{i}", "wb") as handle:
                        handle.write(b"x" * size)
                    written += size
                    files += 1
            except OSError:
                pass
            return [written, files]
        """, 1 << 20, 2 * limits.disk_bytes >> 20)
    if written > limits.disk_bytes:
        return f"a sample wrote {written} bytes past the {limits.disk_bytes}-byte bound"
    _, files = _value(sandbox, "def f(n):\n" + _EMPTY_FILES, 2 * limits.disk_files)
    return None if files <= limits.disk_files else f"a sample made {files} files"


_EMPTY_FILES = """    files = 0
    try:
        for i in range(n):
            open(f"e{i}", "w").close()
            files += 1
    except OSError:
        pass
    return [0, files]
"""


def deep_chain(sandbox: Sandbox) -> str | None:
    before = sandbox._process
    _, report = _run(sandbox, """
        import os
        for _ in range(1500):
            os.mkdir("d")
            os.chdir("d")
        def f():
            return 1
        """)
    if sandbox._process is not before or not report.measured:
        return "a deep directory chain cost the sandbox its zygote"
    return None


def lost_zygote(sandbox: Sandbox) -> str | None:
    # The zygote is killed on purpose: the sandbox restarts without the warning a real
    # loss deserves (it would stand above an all-good table).
    with _quiet_restart():
        execution = sandbox.execute("def f():\n    return 1\n", "f")
        try:
            execution.load()
            execution.call((), {})
            zygote = sandbox.zygote_pid()
            assert zygote is not None
            os.kill(zygote, signal.SIGKILL)
        finally:
            report = execution.finish()
        sandbox.restart()
    try:
        cost = report.cpu_s
    except SandboxError:
        return None if not report.measured else "a lost zygote's report says it was measured"
    return f"a lost zygote's report gave a cost of {cost} s"


@contextmanager
def _quiet_restart() -> Iterator[None]:
    logger = logging.getLogger(Sandbox.__module__)

    def expected(record: logging.LogRecord) -> bool:
        return "zygote was lost" not in record.getMessage()

    logger.addFilter(expected)
    try:
        yield
    finally:
        logger.removeFilter(expected)


def output(sandbox: Sandbox) -> str | None:
    result, report = _run(sandbox, """
        import sys
        def f():
            sys.stdout.write("flood " * 800_000)
            sys.stdout.flush()
            return 1
        """)
    if result.kind is not CallKind.RETURNED:
        return f"a program printing 4.8 MB ended as {result}"
    return None if len(report.output) <= 4096 else f"{len(report.output)} characters were kept"


def _processes_of_uid(uid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        try:
            status = Path(f"/proc/{name}/status").read_text() if name.isdigit() else ""
        except OSError:
            continue
        uids = next((line.split()[1:] for line in status.splitlines()
                     if line.startswith("Uid:")), [])
        if str(uid) in uids:
            found.append(int(name))
    return found
