"""uvicorn's httptools protocol (the HTTP parser in C) with the arena's guards, which
uvicorn's h11 protocol gets in ``_server``: the request's head must arrive within
``header_timeout_s`` (of the connection's opening or of the previous response), and
may be at most ``MAX_HEADER_BYTES`` long (llhttp, unlike h11, has no limit of its own:
a client could stream headers forever, within the timeout)."""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from fairclimb.web._head_deadline import HeadDeadline
from fairclimb.web._limits import MAX_HEADER_BYTES

__all__ = ["HeaderTimeoutHttpTools"]


class HeaderTimeoutHttpTools(HeadDeadline, HttpToolsProtocol):
    _head_bytes = 0
    _in_head = True

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Still no complete head after this many bytes: refused (h11 answers 400 too).
        if self._in_head and self._head_bytes > MAX_HEADER_BYTES \
                and not self.transport.is_closing():
            self.send_400_response("Request header fields too large")

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._in_head, self._head_bytes = True, 0
        self._arm()  # the next request's head gets the same time

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _waiting_for_head(self) -> bool:
        return self._in_head
