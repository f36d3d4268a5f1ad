"""The deadline on a request's head, shared by the arena's h11 and httptools protocols:
the head must arrive within ``header_timeout_s`` of the connection's opening or of the
previous response, or the connection is closed (a slow-headers client holds nothing)."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["HeadDeadline"]


class HeadDeadline:
    """Mixed into a uvicorn HTTP protocol, before it: the protocol says when it is still
    waiting for a head (``_waiting_for_head``) and arms or disarms the deadline."""

    _deadline: asyncio.TimerHandle | None = None
    # given by the uvicorn protocol this is mixed into
    loop: asyncio.AbstractEventLoop
    config: Any
    transport: asyncio.Transport

    def _waiting_for_head(self) -> bool:
        raise NotImplementedError

    def _arm(self) -> None:
        self._disarm()
        timeout = getattr(self.config, "header_timeout_s", 10.0)
        self._deadline = self.loop.call_later(timeout, self._drop_if_idle)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _drop_if_idle(self) -> None:
        if self._waiting_for_head() and not self.transport.is_closing():
            self.transport.close()
