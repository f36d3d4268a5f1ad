"""Threat model, part 5: state that outlives a sample, costs never measured, unbounded
memory, floods of output, and the interpreter's installed packages.

Invariant 7 of DESIGN.md: no sample can see another. Each attack writes something a
later sample could read (a kernel key, an IPC object) or uses memory the limits do not
count (files in its directory, IPC segments), and each test checks that the next
sample, in the same worker and in a new run, finds nothing. Every test runs on both
backends; where a guarantee needs something a backend or this machine lacks, the test
says so with a declared skip.
"""

from __future__ import annotations

import logging
import os
import platform
import signal
import sys
import sysconfig
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import fairclimb
from fairclimb.errors import SandboxError
from fairclimb.evaluate import Status, Verdict
from fairclimb.sandbox import CallKind, Limits, Sandbox, select_backend
from fairclimb.sandbox._confine import remove_tree

LIMITS = Limits(wall_s=2.0, memory_bytes=256 << 20)  # as the shared sandboxes have


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


Judge = Callable[[str, str], Verdict]
RunRaw = Callable[..., Any]
ADD = "HumanEval/53"
# add_key and keyctl, per machine.
KEY_SYSCALLS = {"x86_64": (248, 250), "aarch64": (217, 219)}


def holds(sandbox: Sandbox, what: str) -> bool:
    """Whether the zygote reported it can confine samples with *what*."""
    confinement = getattr(sandbox, "confinement", None)
    return confinement is None or bool(getattr(confinement, what))


def skip_unless_confined(sandbox: Sandbox, what: str) -> None:
    if not holds(sandbox, what):
        pytest.skip(f"the {sandbox.backend.name} zygote cannot use {what} on this machine "
                    "(it needs CAP_SYS_ADMIN: root, or bubblewrap run as root)")


def run_once(sandbox: Sandbox, source: str, entry: str, *args: Any) -> Any:
    execution = sandbox.execute(program(source), entry)
    try:
        assert execution.load().ok
        result = execution.call(tuple(args), {})
    finally:
        execution.finish()
    assert result.kind is CallKind.RETURNED, result
    return result.value


# ------------------------------------------------------------------ 1. kernel keyrings

KEY_WRITER = """
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    def f(marker, add_key, keyctl):
        payload = b"the expected answer is 42"
        # KEY_SPEC_USER_KEYRING: outlives the process, keyed by uid.
        key = libc.syscall(add_key, b"user", marker.encode(), payload, len(payload),
                           ctypes.c_int(-4))
        if key < 0:
            return ["refused", ctypes.get_errno()]
        libc.syscall(keyctl, 5, key, ctypes.c_uint(0x3F3F3F3F))  # KEYCTL_SETPERM: all
        return ["added", key]
    """

KEY_READER = """
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    def f(marker, keyctl):
        try:
            with open("/proc/keys") as handle:
                listed = marker in handle.read()
        except OSError:
            listed = False
        # KEYCTL_SEARCH in the user keyring.
        found = libc.syscall(keyctl, 10, ctypes.c_int(-4), b"user", marker.encode(), 0)
        return [listed, found >= 0]
    """


def _key_syscalls() -> tuple[int, int]:
    numbers = KEY_SYSCALLS.get(platform.machine())
    if numbers is None:
        pytest.skip(f"no keyring syscall numbers known for {platform.machine()}")
    return numbers


@pytest.mark.parametrize("reader", ["same_worker", "next_run"])
def test_a_kernel_key_cannot_reach_a_later_sample(backend_name: str, reader: str) -> None:
    add_key, keyctl = _key_syscalls()
    marker = f"fairclimb-probe-{uuid.uuid4().hex}"
    with Sandbox(select_backend(backend_name), LIMITS) as first:
        skip_unless_confined(first, "seccomp")
        written = run_once(first, KEY_WRITER, "f", marker, add_key, keyctl)
        if reader == "same_worker":
            seen = run_once(first, KEY_READER, "f", marker, keyctl)
    if reader == "next_run":
        with Sandbox(select_backend(backend_name), LIMITS) as second:
            seen = run_once(second, KEY_READER, "f", marker, keyctl)
    assert written[0] == "refused", written
    assert seen == [False, False]
    with open("/proc/keys") as handle:  # nor is it anywhere on the host
        assert marker not in handle.read()


# ------------------------------------------------------------- 1. System V and POSIX IPC

IPC_WRITER = """
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    SECRET = b"the expected answer is 42"
    def f(key, queue):
        made = []
        shm = libc.shmget(key, 4096, 0o1666)  # IPC_CREAT | 0666
        if shm >= 0:
            address = libc.shmat(shm, None, 0)
            ctypes.memmove(address, SECRET, len(SECRET))
            made.append("shm")
        msq = libc.msgget(key, 0o1666)
        if msq >= 0:
            message = ctypes.create_string_buffer(8 + len(SECRET))
            message[0] = 1
            message[8:8 + len(SECRET)] = SECRET
            if libc.msgsnd(msq, message, len(SECRET), 0o4000) == 0:
                made.append("msg")
        mq = libc.mq_open(queue.encode(), os.O_CREAT | os.O_RDWR, ctypes.c_int(0o666), None)
        if mq >= 0 and libc.mq_send(mq, SECRET, len(SECRET), 0) == 0:
            made.append("mqueue")
        return made
    """

IPC_READER = """
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    def f(key, queue):
        found = []
        if libc.shmget(key, 0, 0) >= 0:
            found.append("shm")
        if libc.msgget(key, 0) >= 0:
            found.append("msg")
        if libc.mq_open(queue.encode(), os.O_RDONLY) >= 0:
            found.append("mqueue")
        return found
    """


@pytest.mark.parametrize("reader", ["same_worker", "next_run"])
def test_ipc_objects_cannot_reach_a_later_sample(backend_name: str, reader: str) -> None:
    key = int(uuid.uuid4().int % (1 << 30)) + 1
    queue = f"/fairclimb-{uuid.uuid4().hex[:16]}"
    with Sandbox(select_backend(backend_name), LIMITS) as first:
        skip_unless_confined(first, "private_ipc")
        made = run_once(first, IPC_WRITER, "f", key, queue)
        if reader == "same_worker":
            found = run_once(first, IPC_READER, "f", key, queue)
    if reader == "next_run":
        with Sandbox(select_backend(backend_name), LIMITS) as second:
            found = run_once(second, IPC_READER, "f", key, queue)
    assert made == ["shm", "msg", "mqueue"]  # the sample may use IPC, privately
    assert found == []


IPC_HOARDER = """
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    def f(segment, tries):
        made = 0
        for _ in range(tries):
            if libc.shmget(0, segment, 0o1600) < 0:  # IPC_PRIVATE
                break
            made += 1
        return made * segment
    """


def test_ipc_memory_is_bounded(run_raw: RunRaw, sandbox: Sandbox) -> None:
    skip_unless_confined(sandbox, "private_ipc")
    # 40 segments of 8 MiB would be 320 MiB charged to no process.
    run = run_raw(IPC_HOARDER, "f", (8 << 20, 40))
    assert run.value <= 16 << 20


# ---------------------------------------------------------------- 1. uids never repeat

UID = """
    import os
    def f():
        return os.getuid()
    """


def test_every_sample_has_a_uid_of_its_own(backend_name: str) -> None:
    seen: list[int] = []
    for _ in range(2):  # two runs, one after the other
        with Sandbox(select_backend(backend_name), LIMITS) as sandbox:
            if not sandbox.backend.isolation.separate_uid:
                pytest.skip(f"the {backend_name} backend runs samples as the worker's own "
                            "user here (not root, or the interpreter is not world-readable)")
            seen += [run_once(sandbox, UID, "f") for _ in range(4)]
    assert len(set(seen)) == len(seen), seen
    assert all(uid >= 1 << 16 and uid != os.getuid() for uid in seen)


# ------------------------------------------------------------------- 2. forged costs

DEEP_CHAIN = """
    import os
    for _ in range(3000):  # deeper than the recursion limit of a recursive cleanup
        os.mkdir("d")
        os.chdir("d")
    def add(x, y):
        return x + y
    """


def test_a_deep_directory_chain_cannot_kill_the_zygote(
    judge: Judge, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        verdict = judge(ADD, DEEP_CHAIN)
        after = judge(ADD, "def add(x, y):\n    return x + y\n")
    assert verdict.status is Status.PASSED, verdict
    assert after.status is Status.PASSED, after
    assert "restarting the sandbox" not in caplog.text


def test_removing_a_deep_chain_needs_no_recursion(tmp_path: Path) -> None:
    root = tmp_path / "chain"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    for _ in range(20_000):  # far beyond Python's recursion limit and the open-files limit
        os.mkdir("d", dir_fd=fd)
        below = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
    os.close(fd)
    remove_tree(str(root))
    assert not root.exists()


def test_a_lost_zygote_gives_no_cost(fresh_sandbox: Sandbox) -> None:
    execution = fresh_sandbox.execute("def f():\n    return sum(range(10**6))\n", "f")
    assert execution.load().ok
    assert execution.call((), {}).kind is CallKind.RETURNED
    zygote = fresh_sandbox.zygote_pid()
    assert zygote is not None
    # What a sample that killed its zygote would cause: the zygote dies before it reports.
    os.kill(zygote, signal.SIGKILL)
    report = execution.finish()
    assert report.killed_for == "sandbox_lost"
    assert not report.measured
    assert report.cpu_time is None
    with pytest.raises(SandboxError):
        _ = report.cpu_s


def test_a_measured_report_counts_the_whole_process_tree(run_raw: RunRaw) -> None:
    # The work is done by a grandchild the sample never waits for; its CPU still counts.
    source = """
        import os, time
        def f():
            if os.fork() == 0:
                if os.fork() == 0:
                    end = time.process_time() + 0.3
                    while time.process_time() < end:
                        pass
                    os._exit(0)
                os._exit(0)
            time.sleep(1.0)
            return 1
        """
    run = run_raw(source, "f")
    assert run.exit is not None and run.exit.measured
    assert run.exit.cpu_s >= 0.15, run.exit  # the sample alone: about 0.02


# ---------------------------------------------------------------------- 3. memory

FILLER = """
    def f(size, count):
        files = written = 0
        try:
            for i in range(count):
                with open(f"f{i}", "wb") as handle:
                    handle.write(b"x" * size)
                files += 1
                written += size
        except OSError as exc:
            return [files, written, type(exc).__name__]
        return [files, written, None]
    """


def test_files_cannot_use_more_host_memory_than_the_bound(
    run_raw: RunRaw, sandbox: Sandbox
) -> None:
    skip_unless_confined(sandbox, "bounded_directory")
    bound = sandbox.limits.disk_bytes
    files, written, error = run_raw(FILLER, "f", (1 << 20, 3 * bound >> 20)).value
    assert written <= bound and error == "OSError", (files, written, error)


def test_empty_files_cannot_use_more_inodes_than_the_bound(
    run_raw: RunRaw, sandbox: Sandbox
) -> None:
    skip_unless_confined(sandbox, "bounded_directory")
    bound = sandbox.limits.disk_files
    files, _, error = run_raw(FILLER, "f", (0, 3 * bound)).value
    assert files <= bound and error == "OSError", (files, error)


# ---------------------------------------------------------------------- 5. output

CHATTY = """
    import sys
    sys.stdout.write("chatter " * 250_000)  # 2 MB
    sys.stdout.flush()
    def add(x, y):
        print("adding", x, y, flush=True)
        return x + y
    """


def test_a_chatty_correct_program_passes(judge: Judge) -> None:
    verdict = judge(ADD, CHATTY)
    assert verdict.status is Status.PASSED, verdict


def test_only_a_bounded_tail_of_the_output_is_kept(run_raw: RunRaw) -> None:
    source = """
        import sys
        def f():
            for _ in range(20):
                sys.stdout.write("flood " * 100_000)
            sys.stdout.write("THE END")
            sys.stdout.flush()
            return 1
        """
    run = run_raw(source, "f")
    assert run.exit is not None
    assert run.exit.output.endswith("THE END")
    assert len(run.exit.output) <= 4096
    assert run.exit.output_bytes >= 12_000_000


# -------------------------------------------------------- 6. installed packages hidden

LISTER = """
    import os
    def f(paths):
        seen = {}
        for path in paths:
            try:
                if os.path.isdir(path):
                    seen[path] = sorted(os.listdir(path))
                else:
                    with open(path, "rb") as handle:
                        seen[path] = handle.read(64).hex()
            except OSError as exc:
                seen[path] = type(exc).__name__
        return seen
    """


def test_fairclimb_and_installed_packages_are_unreadable(
    run_raw: RunRaw, sandbox: Sandbox
) -> None:
    if not sandbox.backend.isolation.filesystem:
        pytest.skip(f"the {sandbox.backend.name} backend has no filesystem isolation: "
                    "samples read what the worker's files allow")
    package = Path(fairclimb.__file__).parent
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    hidden = [str(package / "__init__.py"), str(package / "suites"),
              sysconfig.get_path("purelib", vars=base)]
    stdlib = sysconfig.get_path("stdlib", vars=base)
    seen = run_raw(LISTER, "f", ([*hidden, stdlib],)).value
    for path in hidden:
        assert seen[path] in ("FileNotFoundError", "PermissionError", []), (path, seen[path])
    assert "json" in seen[stdlib]  # the standard library is still there
