"""What every route uses: the arena, the signed-in user, templates, CSRF checks."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from fairclimb.arena import LABELS, Arena, ArenaDenied, SignedIn
from fairclimb.errors import FairclimbError, StoreError
from fairclimb.store import DatabaseUnreachable
from fairclimb.web._render import highlighted
from fairclimb.web._security import PRE_CSRF_COOKIE, SESSION_COOKIE, SIGNED_IN
from fairclimb.web._threads import HotPath

__all__ = ["arena_of", "check_pre_csrf", "checked_session", "hot_path", "public_base",
           "render", "render_page", "set_session_cookie", "signed_in", "store_trouble"]

_BUSY = ("the arena is busy saving other work and your request was not recorded; nothing "
         "is lost: wait a few seconds, then go back and submit again")
_UNREACHABLE = ("the arena lost its connection to the database, so this may not have been "
                "saved: wait a few seconds, then go back and submit again (a vote that was "
                "saved stays, and the arena will say so)")


def store_trouble(exc: StoreError) -> str:
    """What a person is told when the database failed them (the store's own message,
    which names the database, goes to the log only)."""
    return _UNREACHABLE if isinstance(exc, DatabaseUnreachable) else _BUSY

# Autoescape everywhere, whatever the file's extension: model output only ever reaches
# a page through this environment (or Pygments, which escapes too).
_ENV = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                   autoescape=select_autoescape(default=True, default_for_string=True))
_ENV.globals.update(labels=LABELS, highlighted=highlighted)


def arena_of(request: Request) -> Arena:
    arena: Arena = request.app.state.arena
    return arena


def hot_path(request: Request) -> HotPath:
    """The threads of the vote path's blocking calls (see ``_threads``)."""
    hot: HotPath = request.app.state.hot_path
    return hot


def checked_session(request: Request) -> SignedIn | None:
    """The session BodyLimits already checked for this request, if it did."""
    checked = request.scope.get("state", {}).get(SIGNED_IN)
    return checked if isinstance(checked, SignedIn) else None


def signed_in(request: Request) -> SignedIn:
    """The session of the request's cookie, or NotSignedIn (a redirect to sign in);
    read once per request (BodyLimits may have read it before the body)."""
    return checked_session(request) or arena_of(request).accounts.session(
        request.cookies.get(SESSION_COOKIE))


def render(request: Request, template: str, context: dict[str, Any],
           status: int = 200, user: SignedIn | None = None) -> HTMLResponse:
    if user is None:
        try:
            user = signed_in(request)
        except FairclimbError:  # a page without a session still renders
            user = None
    html = _ENV.get_template(template).render(request=request, user=user, **context)
    return HTMLResponse(html, status_code=status)


def render_page(template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page of an app without accounts (the viewer): same templates, same escaping."""
    html = _ENV.get_template(template).render(user=None, **context)
    return HTMLResponse(html, status_code=status)


def set_session_cookie(request: Request, response: Response, token: str,
                       max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True,
                        samesite="lax", secure=_secure(request), path="/")


def pre_csrf(request: Request) -> str:
    """The token of a form shown before signing in (login, invite), kept in a cookie."""
    return request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(32)


def keep_pre_csrf(request: Request, response: Response, token: str) -> Response:
    response.set_cookie(PRE_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=_secure(request), path="/")
    return response


def check_pre_csrf(request: Request, sent: str) -> None:
    kept = request.cookies.get(PRE_CSRF_COOKIE)
    if not sent or not kept or not hmac.compare_digest(sent, kept):
        raise ArenaDenied("this form is missing its security token or it is stale; "
                          "reload the page and submit again")


def public_base(request: Request) -> str:
    """Where raters reach the arena, for absolute links: the configured public URL, else
    the address the server listens on. Never the request's Host header, which anyone
    can set (an invite link pointing at their own site)."""
    configured = arena_of(request).options.public_url
    if configured:
        return configured.rstrip("/")
    host, port = request.scope.get("server") or ("127.0.0.1", 8000)
    return f"{'https' if _secure(request) else 'http'}://{host}:{port}"


def _secure(request: Request) -> bool:
    return bool(arena_of(request).options.secure_cookies)
