"""A warm sandbox: one zygote process that runs one untrusted program at a time.

The trusted side holds a :class:`Sandbox` and opens an :class:`Execution` per sample.
The execution loads the program in a freshly forked child and calls its entry point
with plain data; what comes back is decoded by the trusted codec. The sandbox never
decides whether an answer is right: it reports what happened, as data.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairclimb.errors import SandboxError
from fairclimb.sandbox._backend import Backend, _python
from fairclimb.sandbox._confine import CleanUpTooLong, remove_tree
from fairclimb.sandbox._execution import Call, Execution
from fairclimb.sandbox._limits import Limits
from fairclimb.sandbox._reports import ExitReport
from fairclimb.sandbox._uids import UidSource

__all__ = ["LANGUAGES", "Call", "Confinement", "Execution", "Sandbox", "find_node"]

log = logging.getLogger(__name__)

_HERE = Path(__file__).parent
_START_TIMEOUT_S = 30.0
_CONTROL_MAX = 1 << 16
LANGUAGES = ("python", "javascript")


def _zygote_source() -> str:
    # The zygote runs with the standard library only, so the codec travels as source,
    # and so does the Node runner, which the zygote hands to Node as its script.
    runner = (_HERE / "_node_runner.js").read_text()
    return ((_HERE / "_codec.py").read_text() + (_HERE / "_confine.py").read_text()
            + f"\n_NODE_RUNNER = {runner!r}\n" + (_HERE / "_zygote.py").read_text())


@dataclass(frozen=True, slots=True)
class Confinement:
    """What the running zygote could confine each sample with, beyond the backend's
    namespaces (it probes the kernel when it starts)."""

    private_ipc: bool  # an IPC namespace per sample
    bounded_directory: bool  # the sample's directory is a tmpfs bounded in bytes and files
    seccomp: bool  # keyrings and namespace changes refused


def find_node(configured: str = "node") -> str:
    """The absolute path of the Node.js executable *configured* names (a path or a name
    looked up on PATH); :class:`SandboxError` with how to install it when there is none."""
    found = shutil.which(configured)
    if found is None:
        raise SandboxError(
            f"JavaScript samples need Node.js, but {configured!r} was not found; install "
            "Node.js 18 or newer (apt-get install nodejs) or set FAIRCLIMB_NODE to its path"
        )
    return os.path.realpath(found)


class Sandbox:
    """One warm zygote under *backend*; not thread-safe, one execution at a time.

    *node* is the absolute path of Node.js (see :func:`find_node`) for JavaScript
    samples; without it only Python samples can run.
    """

    def __init__(self, backend: Backend, limits: Limits, node: str | None = None) -> None:
        self.backend = backend
        self.limits = limits
        self.node = node
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._host_dir: str | None = None
        self._uids: UidSource | None = UidSource() if backend.separate_uid else None
        self.last_uid: int | None = None  # the uid of the latest sample
        self.confinement = Confinement(private_ipc=False, bounded_directory=False,
                                       seccomp=False)
        self._source = _zygote_source()
        self._run_messages: dict[str, str] = {}

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # Node is seen inside the sandbox from its installation prefix (bin/ and lib/).
        extra = [os.path.dirname(os.path.dirname(self.node))] if self.node else []
        command, self._host_dir = self.backend.command(_python(), self._source, extra)
        command += [str(theirs.fileno()), str(self.limits.disk_bytes),
                    str(self.limits.disk_files)]
        try:
            self._process = subprocess.Popen(
                command,
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"},
                start_new_session=True,
            )
        except OSError as exc:
            raise SandboxError(f"could not start the {self.backend.name} sandbox: {exc}") from exc
        finally:
            theirs.close()
        self._control = ours
        hello = self._receive_control(_START_TIMEOUT_S)
        if hello is None or hello.get("op") != "hello":
            detail = self._stderr_of_dead_zygote()
            self.close()
            raise SandboxError(f"the {self.backend.name} sandbox did not start: {detail}")
        if not hello.get("separate_uid"):
            self._uids = None
        self.confinement = Confinement(private_ipc=bool(hello.get("ipc")),
                                       bounded_directory=bool(hello.get("tmpfs")),
                                       seccomp=bool(hello.get("seccomp")))
        # The zygote uses the uid of each run message (a fresh one per sample) where the
        # limits carry a uid at all; -1 stands for "switch uid" in the shared part.
        limits = self.limits.for_zygote(-1 if self._uids is not None else None)
        # Built once, the uid filled in per sample: the run message costs no JSON encoding.
        self._run_messages = {"python": '{"op": "run", "uid": %d, "limits": '
                              + json.dumps(limits) + "}"}
        if self.node is not None:
            js = {**limits, "language": "javascript", "node": self.node}
            self._run_messages["javascript"] = ('{"op": "run", "uid": %d, "limits": '
                                                + json.dumps(js) + "}")

    def close(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            if self._process.stderr is not None:
                self._process.stderr.close()
            self._process = None
        if self._host_dir is not None:
            # Iterative: a sample may have left a directory chain too deep for recursion.
            with contextlib.suppress(OSError, CleanUpTooLong):
                remove_tree(self._host_dir, deadline=time.monotonic() + 30)
            self._host_dir = None

    def zygote_pid(self) -> int | None:
        """The zygote's pid on the host (under bubblewrap, below its wrapper processes):
        what to kill to lose the zygote on purpose, as the self-check and tests do.
        Killing the process this sandbox started is not the same: with bubblewrap the
        zygote may outlive it long enough to send a real report."""
        if self._process is None:
            return None
        pid = self._process.pid
        try:
            while Path(f"/proc/{pid}/comm").read_text().strip() == "bwrap":
                pid = int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            return None
        return pid

    def restart(self) -> None:
        log.warning("restarting the sandbox after its zygote was lost")
        self.close()
        self.start()

    def execute(self, program: str, entry_point: str, predicted: Sequence[Call] = (),
                language: str = "python") -> Execution:
        """Start *program* in a fresh child; the caller must :meth:`Execution.finish` it.

        *predicted* are calls the caller expects to make first, in order: the child
        answers them right after loading, saving a round trip per call. A call that
        differs from the prediction is simply made live. *language* is one of
        :data:`LANGUAGES`; a ``javascript`` program runs in Node.js, under the same
        limits and speaking the same protocol.
        """
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")
        if self._control is None:
            raise SandboxError("the sandbox is not started")
        run_message = self._run_messages.get(language)
        if run_message is None:
            raise SandboxError("JavaScript samples need Node.js, but this sandbox was started "
                               "without it; install Node.js or set FAIRCLIMB_NODE to its path")
        self.last_uid = self._uids.take() if self._uids is not None else None
        run_message %= self.last_uid if self.last_uid is not None else -1
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            socket.send_fds(self._control, [run_message.encode()], [theirs.fileno()])
        except OSError:
            ours.close()
            self.restart()
            raise SandboxError("the sandbox's zygote was lost") from None
        finally:
            theirs.close()
        return Execution(self, ours, program, entry_point, predicted)

    # -- control socket -------------------------------------------------------------

    def _receive_control(self, timeout: float) -> dict[str, Any] | None:
        assert self._control is not None
        self._control.settimeout(timeout)
        try:
            data, fds, _, _ = socket.recv_fds(self._control, _CONTROL_MAX, 1)
        except (TimeoutError, OSError):
            return None
        for fd in fds:  # the zygote never sends descriptors; refuse any
            socket.close(fd)
        if not data:
            return None
        result: dict[str, Any] = json.loads(data)
        return result

    def _send_control(self, message: dict[str, Any]) -> None:
        assert self._control is not None
        with contextlib.suppress(OSError):  # a lost zygote shows as a missing exit report
            self._control.send(json.dumps(message).encode())

    def _stderr_of_dead_zygote(self) -> str:
        if self._process is None or self._process.stderr is None:
            return "no diagnostics"
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        text = self._process.stderr.read().decode(errors="replace").strip()
        return text.splitlines()[-1] if text else f"exit status {self._process.returncode}"

    def _wait_exit_or_kill(self, grace: float) -> ExitReport:
        report = self._receive_control(grace)
        if report is None:
            self._send_control({"op": "kill"})
            return self._wait_exit()
        return _exit_report(report)

    def _wait_exit(self) -> ExitReport:
        report = self._receive_control(self.limits.wall_s + 30)
        if report is None or report.get("op") != "exit":
            self.restart()
            # Nothing measured this sample: its report says so, and holds no CPU time.
            return ExitReport(exit_code=None, killed_for="sandbox_lost", uid=self.last_uid)
        return _exit_report(report)


def _exit_report(report: dict[str, Any]) -> ExitReport:
    """The zygote's report, which holds a real ``wait4`` of the sample's processes."""
    fields = {k: v for k, v in report.items() if k in ExitReport.__dataclass_fields__}
    cpu = report.get("cpu_s")
    if not isinstance(cpu, int | float) or isinstance(cpu, bool):
        cpu = None
    return ExitReport(**{**fields, "cpu_time": cpu, "uid": report.get("uid")})
