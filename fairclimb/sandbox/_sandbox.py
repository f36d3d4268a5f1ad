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
from fairclimb.sandbox import _codec
from fairclimb.sandbox._backend import Backend, _python
from fairclimb.sandbox._confine import CleanUpTooLong, remove_tree
from fairclimb.sandbox._limits import Limits
from fairclimb.sandbox._reports import CallKind, CallResult, ExitReport, LoadResult
from fairclimb.sandbox._uids import UidSource

__all__ = ["LANGUAGES", "Call", "Confinement", "Execution", "Sandbox", "find_node"]

Call = tuple[tuple[Any, ...], dict[str, Any]]  # positional and keyword arguments

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


def _encode_call(args: Sequence[Any], kwargs: dict[str, Any]) -> list[Any]:
    return [_codec.encode_value(list(args)), _codec.encode_value(kwargs)]


def _exit_report(report: dict[str, Any]) -> ExitReport:
    """The zygote's report, which holds a real ``wait4`` of the sample's processes."""
    fields = {k: v for k, v in report.items() if k in ExitReport.__dataclass_fields__}
    cpu = report.get("cpu_s")
    if not isinstance(cpu, int | float) or isinstance(cpu, bool):
        cpu = None
    return ExitReport(**{**fields, "cpu_time": cpu, "uid": report.get("uid")})


class Execution:
    """One sample's program running in the sandbox, answering calls until finished."""

    def __init__(self, sandbox: Sandbox, channel: socket.socket, program: str,
                 entry_point: str, predicted: Sequence[Call] = ()) -> None:
        self._sandbox = sandbox
        self._channel = channel
        self._deadline = time.monotonic() + sandbox.limits.wall_s
        self._timed_out = False
        self._finished: ExitReport | None = None
        self._buffer = bytearray()
        encoded = [_encode_call(args, kwargs) for args, kwargs in predicted]
        self._predicted = [json.dumps(call) for call in encoded]
        self._next_predicted = 0
        self._diverged = False
        self._seq = len(encoded)  # live calls are numbered after the predicted ones
        self._alive = self._send(["program", program, entry_point, encoded])

    @property
    def timed_out(self) -> bool:
        return self._timed_out

    def load(self) -> LoadResult:
        if not self._alive:
            return LoadResult(ok=False, timed_out=self._timed_out)
        frame = self._receive()
        if frame is None:
            return LoadResult(ok=False, timed_out=self._timed_out)
        if frame == ["ready"]:
            return LoadResult(ok=True)
        if (len(frame) == 4 and frame[0] == "not_ready"
                and frame[1] in ("invalid", "error", "memory")
                and all(isinstance(item, str) for item in frame[1:])):
            return LoadResult(ok=False, status=frame[1], error_type=frame[2], message=frame[3])
        return LoadResult(ok=False, status="error", error_type="ProtocolError",
                          message="the program answered out of turn while loading")

    def call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> CallResult:
        """Call the entry point with plain-data arguments and decode what comes back."""
        encoded = _encode_call(args, kwargs)
        if not self._diverged and self._next_predicted < len(self._predicted):
            if json.dumps(encoded) == self._predicted[self._next_predicted]:
                self._next_predicted += 1
                return self._await(self._next_predicted)
            self._diverged = True
        if not self._alive:
            return CallResult(CallKind.TIMED_OUT if self._timed_out else CallKind.DIED)
        self._seq += 1
        if not self._send(["call", self._seq, *encoded]):
            return CallResult(CallKind.TIMED_OUT if self._timed_out else CallKind.DIED)
        return self._await(self._seq)

    def _await(self, seq: int) -> CallResult:
        while True:
            frame = self._receive()
            if frame is None:
                return CallResult(CallKind.TIMED_OUT if self._timed_out else CallKind.DIED)
            if self._is_skipped_prediction(frame, seq):
                continue
            return self._interpret(frame, seq)

    def _is_skipped_prediction(self, frame: list[Any], seq: int) -> bool:
        # After a divergence the child still answers the rest of the prediction first.
        answered = frame[1] if len(frame) >= 2 else None
        return (self._diverged and isinstance(answered, int) and not isinstance(answered, bool)
                and answered < seq and answered <= len(self._predicted))

    def _interpret(self, frame: list[Any], seq: int) -> CallResult:
        tag = frame[0] if frame else None
        if len(frame) >= 3 and frame[1] == seq:
            if tag == "return" and len(frame) == 3:
                try:
                    return CallResult(CallKind.RETURNED, value=_codec.decode_value(frame[2]))
                except _codec.CodecError as exc:
                    return CallResult(CallKind.PROTOCOL, message=f"undecodable value: {exc}")
            if (tag == "raise" and len(frame) == 4
                    and isinstance(frame[2], str) and isinstance(frame[3], str)):
                return CallResult(CallKind.RAISED, error_type=frame[2], message=frame[3])
            if tag == "unencodable" and len(frame) == 3 and isinstance(frame[2], str):
                return CallResult(CallKind.UNENCODABLE, message=frame[2])
        self._alive = False
        return CallResult(CallKind.PROTOCOL, message="the program sent an invalid answer")

    def finish(self) -> ExitReport:
        """End the sample: stop the child, kill what it left, remove its files."""
        if self._finished is None:
            self._channel.close()
            if self._timed_out:
                self._sandbox._send_control({"op": "kill"})
                self._finished = self._sandbox._wait_exit()
            else:
                # A closed channel tells a well-behaved child to exit on its own; one
                # that already went away is reported as it ended, not as killed.
                self._finished = self._sandbox._wait_exit_or_kill(self._grace())
        return self._finished

    def _grace(self) -> float:
        return max(0.05, min(1.0, self._deadline - time.monotonic()))

    # -- sample channel -------------------------------------------------------------

    def _remaining(self) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            self._timed_out = True
            self._alive = False
        return remaining

    def _send(self, message: list[Any]) -> bool:
        data = json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
        remaining = self._remaining()
        if remaining <= 0:
            return False
        self._channel.settimeout(remaining)
        try:
            self._channel.sendall(len(data).to_bytes(4, "big") + data)
        except TimeoutError:
            self._timed_out = True
            self._alive = False
            return False
        except OSError:
            self._alive = False
            return False
        return True

    def _receive(self) -> list[Any] | None:
        """The next frame, or None when the child went away or time ran out."""
        buffer = self._buffer
        limit = self._sandbox.limits.frame_bytes
        while True:
            if len(buffer) >= 4:
                size = int.from_bytes(buffer[:4], "big")
                if size > limit:
                    self._alive = False
                    return ["oversized"]
                if len(buffer) >= 4 + size:
                    body = bytes(buffer[4 : 4 + size])
                    del buffer[: 4 + size]
                    return self._parse(body)
            if not self._fill():
                return None

    def _fill(self) -> bool:
        remaining = self._remaining()
        if remaining <= 0:
            return False
        self._channel.settimeout(remaining)
        try:
            chunk = self._channel.recv(1 << 16)
        except TimeoutError:
            self._timed_out = True
            self._alive = False
            return False
        except OSError:
            chunk = b""
        if not chunk:
            self._alive = False
            return False
        self._buffer += chunk
        return True

    def _parse(self, body: bytes) -> list[Any]:
        try:
            # Bounded: a frame of more values than the codec allows is refused unparsed.
            frame = _codec.loads(body)
        except (ValueError, RecursionError):
            self._alive = False
            return ["unparsable"]
        return frame if isinstance(frame, list) else ["unparsable"]
