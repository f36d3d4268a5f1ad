"""Threat model, part 3: programs that reach for files, the network and secrets.

Invariant 2 of DESIGN.md: no network, a private temporary directory, a scrubbed
environment. The verdict of every attack is checked on every backend; what it did
outside the sample is checked where the backend's ``Isolation`` promises to contain it
(the rlimits backend promises none of it, and says so).
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fairclimb.evaluate import Status, Verdict
from fairclimb.sandbox import Sandbox

Judge = Callable[[str, str], Verdict]
RunRaw = Callable[..., Any]

ADD = "HumanEval/53"
REPO = Path(__file__).resolve().parents[2]
SECRET_NAME = "FAIRCLIMB_TEST_SECRET"
SECRET = "s3cr3t"


def assert_verdict(verdict: Verdict, expected: Status) -> None:
    if expected is not Status.PASSED:
        assert not verdict.passed, verdict
    assert verdict.status is expected, verdict


def skip_unless(sandbox: Sandbox, what: str) -> None:
    isolation = sandbox.backend.isolation
    if not getattr(isolation, what):
        pytest.skip(f"the {sandbox.backend.name} backend has no {what} isolation "
                    f"(Isolation.{what} is False): the host is not protected from this")


# ------------------------------------------------------ 13. files outside the sample

# Host places a sample must not write to, as functions of the test's tmp_path.
OUTSIDE: dict[str, Callable[[Path], Path]] = {
    "tmp": lambda _: Path("/tmp"),
    "etc": lambda _: Path("/etc"),
    "work": lambda _: Path("/work"),
    "repo": lambda _: REPO,
    "home": lambda _: Path.home(),
    "python-prefix": lambda _: Path(sys.base_prefix),
    "pytest-tmp": lambda tmp: tmp,
}

WRITER = """
    import os
    TARGET = {target!r}
    def _escape():
        try:
            os.makedirs(os.path.dirname(TARGET), exist_ok=True)
            with open(TARGET, "w") as handle:
                handle.write("escaped")
            return "written"
        except OSError as exc:
            return type(exc).__name__
    AT_IMPORT = _escape()
    def add(x, y):
        _escape()
        return 0
    """


def _target(where: str, tmp_path: Path) -> Path:
    return OUTSIDE[where](tmp_path) / f"fairclimb-escape-{uuid.uuid4().hex}"


@pytest.mark.parametrize("where", sorted(OUTSIDE))
def test_writing_outside_is_not_passing(
    judge: Judge, sandbox: Sandbox, tmp_path: Path, where: str
) -> None:
    target = _target(where, tmp_path)
    if not sandbox.backend.isolation.filesystem:
        # Nothing stops the write here; aim it somewhere harmless, the verdict is the point.
        target = tmp_path / "outside" / where / target.name
    try:
        assert_verdict(judge(ADD, WRITER.format(target=str(target))), Status.FAILED)
        if not sandbox.backend.isolation.filesystem and not sandbox.backend.isolation.separate_uid:
            assert target.exists()  # control: the writer does write where nothing stops it
    finally:
        target.unlink(missing_ok=True)


@pytest.mark.parametrize("where", sorted(OUTSIDE))
def test_writing_outside_leaves_the_host_untouched(
    run_raw: RunRaw, sandbox: Sandbox, tmp_path: Path, where: str
) -> None:
    skip_unless(sandbox, "filesystem")
    target = _target(where, tmp_path)
    try:
        run = run_raw(WRITER.format(target=str(target)) + """
    def f():
        return AT_IMPORT, _escape()
    """)
        assert run.load.ok, run.load
        assert not target.exists(), f"the sample wrote {target} ({run.value})"
        # It may land in the sandbox's private /tmp; nowhere else may it succeed.
        if not str(target).startswith("/tmp/"):
            assert "written" not in run.value, run.value
    finally:
        target.unlink(missing_ok=True)


LEAVE_FILES = """
    import os
    def f():
        with open("left-behind.txt", "w") as handle:
            handle.write("for the next sample")
        os.makedirs("nested/deeper")
        with open("nested/deeper/file.txt", "w") as handle:
            handle.write("x")
        os.symlink("/etc/hostname", "link-out")
        return os.getcwd()
    """

LOOK_FOR = """
    import os
    def f(path):
        return [os.path.exists(path), os.path.exists(os.path.join(path, "left-behind.txt"))]
    """


def test_sample_directory_is_gone_afterwards(run_raw: RunRaw, sandbox: Sandbox) -> None:
    first = run_raw(LEAVE_FILES)
    cwd = first.value
    assert isinstance(cwd, str) and cwd
    assert first.exit.killed_for is None, first.exit
    if not sandbox.backend.isolation.filesystem:  # the directory is a host path
        assert not os.path.exists(cwd)
    second = run_raw(LOOK_FOR, "f", (cwd,))
    assert second.value == [False, False]
    assert Path("/etc/hostname").exists()  # removing the link did not follow it


def test_next_sample_cannot_see_files_left_in_tmp(
    run_raw_fresh: RunRaw, fresh_sandbox: Sandbox, tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    skip_unless(fresh_sandbox, "filesystem")
    marker = f"/tmp/fairclimb-leak-{tmp_path.name}"
    # Writing outside its own directory may be refused outright (a separate uid), or
    # succeed and be wiped before the next sample (same uid); either way it cannot leak.
    first = run_raw_fresh(f"""
        def f():
            try:
                with open({marker!r}, "w") as handle:
                    handle.write("left by the previous sample")
            except OSError as exc:
                return type(exc).__name__
            return True
        """)
    assert first.value in (True, "PermissionError")
    second = run_raw_fresh(LOOK_FOR, "f", (marker,))
    assert second.value == [False, False], "the next sample saw the previous sample's file"


SABOTAGE_NEXT = """
    import os
    base = os.path.dirname(os.getcwd())
    for name in ["s1", "s2", "next", *(f"s{n:016x}" for n in range(50))]:
        for make in (os.mkdir, lambda path: open(path, "w").close()):
            try:
                make(os.path.join(base, name))
            except OSError:
                pass
    try:
        os.chmod(base, 0)
    except OSError:
        pass
    def add(x, y):
        return 0
    """


def test_a_sample_cannot_spoil_the_next_one(
    judge_fresh: Judge, fresh_sandbox: Sandbox, request: pytest.FixtureRequest
) -> None:
    # The sample tries to prepare the directory the next sample will get, and to lock
    # the zygote out of its own base directory.
    assert_verdict(judge_fresh(ADD, SABOTAGE_NEXT), Status.FAILED)
    verdict = judge_fresh(ADD, "def add(x, y):\n    return x + y\n")
    assert verdict.status is Status.PASSED, verdict


# ---------------------------------------------------------------------- 14. network

CONNECT = """
    import socket
    def _attempt(kind, address):
        try:
            if kind == "udp":
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                    sock.sendto(b"exfiltrated", tuple(address))
                return "sent"
            family = socket.AF_UNIX if kind == "unix" else socket.AF_INET
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.settimeout(0.5)
                sock.connect(address if kind == "unix" else tuple(address))
                sock.sendall(b"exfiltrated")
            return "sent"
        except OSError as exc:
            return f"{type(exc).__name__}: {exc}"
    """


def _address(listener: Any) -> object:
    return list(listener.address) if isinstance(listener.address, tuple) else listener.address


@pytest.mark.parametrize("listener", ["tcp", "udp", "unix"], indirect=True)
def test_network_attempts_are_not_passing(judge: Judge, listener: Any) -> None:
    source = CONNECT + f"""
    def add(x, y):
        _attempt({listener.kind!r}, {_address(listener)!r})
        return 0
    """
    assert_verdict(judge(ADD, source), Status.FAILED)


@pytest.mark.parametrize("listener", ["tcp", "udp", "unix"], indirect=True)
def test_host_servers_receive_nothing(
    judge: Judge, run_raw: RunRaw, sandbox: Sandbox, listener: Any
) -> None:
    skip_unless(sandbox, "network")
    kind = listener.kind
    address = _address(listener)
    run = run_raw(CONNECT + """
    def f(kind, address):
        return _attempt(kind, address)
    """, "f", (kind, address))
    if kind != "udp":  # a datagram to a port nobody listens on is "sent" into the void
        assert run.value != "sent", run.value
    # A correct answer after failed attempts is simply correct.
    verdict = judge(ADD, CONNECT + f"""
    def add(x, y):
        _attempt({kind!r}, {address!r})
        return x + y
    """)
    assert verdict.status is Status.PASSED, verdict
    assert listener.received == [] and listener.connections == 0


@pytest.mark.parametrize("listener", ["tcp", "udp", "unix"], indirect=True)
def test_control_listeners_hear_an_unisolated_sample(
    run_raw: RunRaw, sandbox: Sandbox, listener: Any
) -> None:
    # The other side of the test above: where nothing isolates the network, the same
    # attempt does arrive, so "received nothing" above is not for want of a listener.
    if sandbox.backend.isolation.network:
        pytest.skip(f"the {sandbox.backend.name} backend isolates the network")
    run = run_raw(CONNECT + """
    def f(kind, address):
        return _attempt(kind, address)
    """, "f", (listener.kind, _address(listener)))
    assert run.value == "sent"
    deadline = time.monotonic() + 2.0
    while not listener.received and time.monotonic() < deadline:
        time.sleep(0.01)
    assert b"".join(listener.received) == b"exfiltrated"


@pytest.mark.parametrize("target", [["1.1.1.1", 80], ["8.8.8.8", 53]], ids=["tcp-1.1.1.1",
                                                                          "tcp-8.8.8.8"])
def test_public_network_is_unreachable(run_raw: RunRaw, sandbox: Sandbox,
                                       target: list[object]) -> None:
    skip_unless(sandbox, "network")
    run = run_raw(CONNECT + """
    def f(address):
        return _attempt("tcp", address)
    """, "f", (target,))
    assert run.value.startswith("OSError"), run.value


def test_name_resolution_fails(run_raw: RunRaw, sandbox: Sandbox) -> None:
    skip_unless(sandbox, "network")
    run = run_raw("""
        import socket
        def f():
            try:
                return socket.getaddrinfo("example.com", 80)[0][4][0]
            except OSError as exc:
                return type(exc).__name__
        """)
    assert run.value == "gaierror", run.value


# ---------------------------------------------------------------------- 15. secrets

SNOOP_ENV = {
    "os.environ": """
        import os
        def f():
            return str(dict(os.environ))
        """,
    "proc-self-environ": """
        def f():
            try:
                with open("/proc/self/environ", "rb") as handle:
                    return handle.read().decode(errors="replace")
            except OSError as exc:  # not readable once the sample dropped to its uid
                return type(exc).__name__
        """,
    "proc-1-environ": """
        def f():
            try:
                with open("/proc/1/environ", "rb") as handle:
                    return handle.read().decode(errors="replace")
            except OSError as exc:
                return type(exc).__name__
        """,
    "proc-parent-environ": """
        import os
        def f():
            try:
                with open(f"/proc/{os.getppid()}/environ", "rb") as handle:
                    return handle.read().decode(errors="replace")
            except OSError as exc:
                return type(exc).__name__
        """,
    "every-proc-environ": """
        import os
        def f():
            found = []
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        with open(f"/proc/{pid}/environ", "rb") as handle:
                            found.append(handle.read().decode(errors="replace"))
                    except OSError:
                        pass
            return "\\n".join(found)
        """,
}


@pytest.mark.parametrize("where", sorted(SNOOP_ENV))
def test_secrets_do_not_reach_the_sample(
    run_raw: RunRaw, sandbox: Sandbox, secret_holder: int, where: str
) -> None:
    assert os.environ.get(SECRET_NAME) == SECRET  # set while the sandbox started
    if where == "every-proc-environ":
        # A host process that holds the secret is readable without pid isolation.
        skip_unless(sandbox, "processes")
    run = run_raw(SNOOP_ENV[where])
    assert isinstance(run.value, str)
    assert SECRET not in run.value
    assert SECRET_NAME not in run.value


def test_control_an_unisolated_sample_finds_the_secret(
    run_raw: RunRaw, sandbox: Sandbox, secret_holder: int
) -> None:
    # The other side of "every-proc-environ": without pid isolation (and as root) the
    # scan does find the holder's secret, so its absence above means something.
    isolation = sandbox.backend.isolation
    if isolation.processes or isolation.separate_uid:
        pytest.skip(f"the {sandbox.backend.name} backend hides other processes' environments")
    run = run_raw(SNOOP_ENV["every-proc-environ"])
    assert f"{SECRET_NAME}={SECRET}" in run.value


def test_environment_is_scrubbed(run_raw: RunRaw) -> None:
    run = run_raw("""
        import os
        def f():
            return sorted(os.environ)
        """)
    assert set(run.value) <= {"PATH", "HOME", "TMPDIR", "LANG"}, run.value


def test_reading_secrets_is_not_passing(judge: Judge) -> None:
    verdict = judge("HumanEval/23", f"""
        import os
        def strlen(string):
            return len(os.environ.get({SECRET_NAME!r}, string + "!"))
        """)
    assert_verdict(verdict, Status.FAILED)
