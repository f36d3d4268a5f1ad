"""Live battles: the rater's own prompt, answered now by two enabled models."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from fairclimb.web._common import arena_of, signed_in
from fairclimb.web._limits import UnsupportedBody

router = APIRouter()


@router.post("/live")
async def start_live(request: Request) -> Response:
    """Session first, then the (capped) body, parsed and answered in worker threads:
    the two model calls can take seconds and must not stop the event loop."""
    user = await run_in_threadpool(signed_in, request)
    if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        raise UnsupportedBody("send the prompt as the page's form does (urlencoded)")
    form = await run_in_threadpool(parse_qs, (await request.body()).decode(
        "utf-8", errors="replace"), True)
    user.check_csrf(_one(form, "csrf"))
    battle_id = await run_in_threadpool(
        arena_of(request).start_live, user, _one(form, "prompt"),
        _one(form, "language") or "python", _one(form, "kind") or "implement")
    return RedirectResponse(f"/battles/{battle_id}", status_code=303)


def _one(form: dict[str, list[str]], key: str) -> str:
    values = form.get(key)
    return values[0] if values else ""
