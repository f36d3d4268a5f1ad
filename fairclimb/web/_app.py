"""The app factory, its single error boundary, and ``serve``.

Errors are data with an HTTP status (``http_status`` on arena errors): one handler
turns them into a page, a redirect to sign in, or JSON for the API.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from fairclimb.arena import Arena, BriefingRequired, NotSignedIn
from fairclimb.errors import FairclimbError, StoreError, UserInputError
from fairclimb.web import _access, _admin, _api, _controls, _live, _pages, _rank, _rater, _review
from fairclimb.web._common import render, store_trouble
from fairclimb.web._head import HeadAsGet
from fairclimb.web._limits import BodyLimits
from fairclimb.web._security import SecurityHeaders
from fairclimb.web._threads import HotPath

__all__ = ["create_app"]

logger = logging.getLogger(__name__)
_CRASH = ("something went wrong on the server and it has been logged; go back and try "
          "again, and tell the admin if it keeps happening")

_STATIC = Path(__file__).with_name("static")


def create_app(arena: Arena) -> FastAPI:
    """The web app over ``arena``; the caller owns (and closes) its store."""
    app = FastAPI(title="fairclimb arena", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.arena = arena
    app.state.hot_path = HotPath()
    app.add_middleware(HeadAsGet)  # innermost: the limits and headers see a HEAD as sent
    app.add_middleware(BodyLimits)
    app.add_middleware(SecurityHeaders)  # outermost: on refusals too
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    for module in (_pages, _rater, _live, _rank, _admin, _controls, _access, _review, _api):
        app.include_router(module.router)
    app.add_exception_handler(FairclimbError, _on_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_invalid)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_crash)
    return app


async def _on_invalid(request: Request, exc: RequestValidationError) -> Response:
    """A malformed id or field: 404 for a path (no such page), 400 otherwise."""
    first = exc.errors()[0] if exc.errors() else {}
    where = list(first.get("loc", ()))
    status = 404 if where[:1] == ["path"] else 400
    message = ("there is no such page; check the address" if status == 404 else
               f"the request has a value the arena cannot read ({where[-1] if where else '?'}"
               f": {first.get('msg', 'invalid')}); go back and correct it")
    return _page_or_json(request, message, status)


async def _on_crash(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return _page_or_json(request, _CRASH, 500)


def _page_or_json(request: Request, message: str, status: int,
                  headers: dict[str, str] | None = None) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    page = render(request, "error.html", {"message": message, "status": status},
                  status=status)
    page.headers.update(headers or {})
    return page


async def _on_error(request: Request, exc: FairclimbError) -> Response:
    api = request.url.path.startswith("/api/")
    status = getattr(exc, "http_status", None) or (
        400 if isinstance(exc, UserInputError) else 503 if isinstance(exc, StoreError)
        else 500)
    if isinstance(exc, StoreError):  # the detail (file, driver) is for the log only
        logger.warning("store error on %s: %s", request.url.path, exc)
        return _page_or_json(request, store_trouble(exc), 503, {"retry-after": "5"})
    if api:
        return JSONResponse({"error": str(exc)}, status_code=status)
    if isinstance(exc, BriefingRequired):
        return RedirectResponse("/briefing", status_code=303)
    if isinstance(exc, NotSignedIn) and request.url.path != "/login":
        code = "expired" if "expired" in str(exc) else "signin"
        return RedirectResponse(f"/login?m={code}", status_code=303)
    return render(request, "error.html", {"message": str(exc), "status": status},
                  status=status)
