"""One sample's program running in a sandbox: loading it, calling its entry point with
plain data and decoding what comes back, then ending it (see :class:`Sandbox.execute`).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Sequence
from typing import Any, Protocol

from fairclimb.sandbox import _codec
from fairclimb.sandbox._limits import Limits
from fairclimb.sandbox._reports import CallKind, CallResult, ExitReport, LoadResult

__all__ = ["Call", "Execution"]

Call = tuple[tuple[Any, ...], dict[str, Any]]  # positional and keyword arguments


class _Host(Protocol):
    """What an execution needs of the sandbox that started it (the Sandbox, which
    imports this module: named by its shape, so the two do not import each other)."""

    limits: Limits

    def _send_control(self, message: dict[str, Any]) -> None: ...

    def _wait_exit(self) -> ExitReport: ...

    def _wait_exit_or_kill(self, grace: float) -> ExitReport: ...


def _encode_call(args: Sequence[Any], kwargs: dict[str, Any]) -> list[Any]:
    return [_codec.encode_value(list(args)), _codec.encode_value(kwargs)]



class Execution:
    """One sample's program running in the sandbox, answering calls until finished."""

    def __init__(self, sandbox: _Host, channel: socket.socket, program: str,
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
