"""Request bodies: authenticated first, then capped per route, never parsed on the loop.

A pure ASGI middleware, so that nothing has read a byte of the body when it decides:

1. a ``multipart`` body is refused (415): no route takes a file;
2. a ``Content-Length`` over the route's cap is refused (413) before reading;
3. a request that needs a session (every POST but sign-in and invites) or an API token
   (``/api``) is checked first, in a thread of the hot path (``_threads``); without
   one it is refused (401, or a redirect to sign in) and its body is never read;
4. while the body streams (chunked bodies too), the bytes are counted and the request
   is answered 413 as soon as they pass the cap.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from html import escape

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairclimb.errors import FairclimbError, StoreError, UserInputError
from fairclimb.web._common import store_trouble
from fairclimb.web._security import SESSION_COOKIE, SIGNED_IN
from fairclimb.web._threads import HotPath

__all__ = ["API_CAP", "FORM_CAP", "MAX_HEADER_BYTES", "VOTE_CAP", "BodyLimits",
           "UnsupportedBody"]

logger = logging.getLogger(__name__)

KIB = 1024
MAX_HEADER_BYTES = 16 * KIB  # a request's head: h11 refuses more with 400, so does _httptools
FORM_CAP = 64 * KIB  # sign-in, invites, small admin forms
VOTE_CAP = 1024 * KIB  # a vote carries a comment (5,000 chars) and a correction (100,000)
ADMIN_CAP = 512 * KIB  # a briefing's text, a prompt
API_CAP = 16 * 1024 * KIB  # one import request; bigger imports go in several requests
_PUBLIC = ("/login", "/invite/")
_READS = {"GET", "HEAD", "OPTIONS"}


def cap_of(path: str) -> int:
    if path.startswith("/api/"):
        return API_CAP
    if path.startswith("/battles/") and path.endswith("/vote"):
        return VOTE_CAP
    if path.startswith("/admin/"):
        return ADMIN_CAP
    return FORM_CAP


class UnsupportedBody(UserInputError):
    """A body of a type the route does not take."""

    http_status = 415


class _TooLarge(Exception):
    pass


@dataclass
class _Refusal:
    status: int
    message: str
    location: str | None = None
    retry_after: int | None = None


class BodyLimits:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = await self._refusal(scope)
        if refusal is not None:
            await _respond(scope, send, refusal)
            return
        cap, seen, over = cap_of(scope["path"]), 0, False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    over = True
                    raise _TooLarge
            return message

        started = False

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:  # whatever the app made of the error, the answer is 413
                if not started:
                    started = True
                    await _respond(scope, send, _too_large(cap))
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):  # answered below
            await self.app(scope, counted, guarded)
        if over and not started:
            await _respond(scope, send, _too_large(cap))

    async def _refusal(self, scope: Scope) -> _Refusal | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if headers.get("content-type", "").lower().startswith("multipart/"):
            return _Refusal(415, "this address takes no files; send a plain form or JSON")
        length = headers.get("content-length", "")
        cap = cap_of(scope["path"])
        if length.strip().isdigit() and int(length) > cap:
            return _too_large(cap)
        if scope["method"] in _READS or scope["path"].startswith(_PUBLIC):
            return None
        hot: HotPath = scope["app"].state.hot_path
        return await hot.run(_unauthenticated, scope, headers)


def _unauthenticated(scope: Scope, headers: dict[str, str]) -> _Refusal | None:
    arena = scope["app"].state.arena
    try:
        if scope["path"].startswith("/api/"):
            scheme, _, token = headers.get("authorization", "").partition(" ")
            arena.accounts.check_api_token(token.strip() if scheme.lower() == "bearer"
                                           else None)
        else:  # kept for the route: one session lookup per request, not two
            scope.setdefault("state", {})[SIGNED_IN] = arena.accounts.session(
                _cookie(headers.get("cookie", "")))
    except StoreError as exc:  # the database failed, not the rater: never "sign in"
        logger.warning("store error on %s: %s", scope["path"], exc)
        return _Refusal(503, store_trouble(exc), retry_after=5)
    except FairclimbError as exc:
        if scope["path"].startswith("/api/"):
            return _Refusal(401, str(exc))
        return _Refusal(303, str(exc), "/login?m=signin")
    return None


def _cookie(header: str) -> str | None:
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            return value
    return None


def _too_large(cap: int) -> _Refusal:
    return _Refusal(413, f"the request is larger than this address accepts ({cap // KIB} "
                         "KiB); send less (an import in several requests)")


async def _respond(scope: Scope, send: Send, refusal: _Refusal) -> None:
    """JSON for the API, a short page elsewhere; the connection is closed (the unread
    body is never read)."""
    if scope["path"].startswith("/api/"):
        body, kind = json.dumps({"error": refusal.message}).encode(), b"application/json"
    else:
        body = (f"<!doctype html><title>Refused</title><p>{escape(refusal.message)}. "
                "Go back and try again.</p>").encode()
        kind = b"text/html; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close"), (b"cache-control", b"no-store")]
    if refusal.location:
        headers.append((b"location", refusal.location.encode()))
    if refusal.retry_after is not None:
        headers.append((b"retry-after", str(refusal.retry_after).encode()))
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
