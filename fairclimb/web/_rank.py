"""Ranking tasks: order N answers to one prompt and score each explanation 1-5."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from fairclimb.arena import Role
from fairclimb.errors import UserInputError
from fairclimb.web._common import arena_of, render, signed_in
from fairclimb.web._limits import UnsupportedBody

router = APIRouter()


@router.post("/rank/new")
async def new_ranking(request: Request) -> Response:
    user = await run_in_threadpool(signed_in, request)
    form = await _form(request)
    user.check_csrf(_one(form, "csrf"))
    arena = arena_of(request)
    await run_in_threadpool(arena.require_briefed, user)
    ranking_id = await run_in_threadpool(arena.rankings.next, user.account.id)
    return RedirectResponse(f"/rankings/{ranking_id}", status_code=303)


@router.get("/rankings/{ranking_id}", response_class=HTMLResponse)
def ranking_page(request: Request, ranking_id: int) -> Response:
    user = signed_in(request)
    task = arena_of(request).rankings.get(user.account.id, user.account.role == Role.ADMIN,
                                          ranking_id)
    return render(request, "ranking.html", {"task": task}, user=user)


@router.post("/rankings/{ranking_id}")
async def submit_ranking(request: Request, ranking_id: int) -> Response:
    user = await run_in_threadpool(signed_in, request)
    form = await _form(request)
    user.check_csrf(_one(form, "csrf"))
    await run_in_threadpool(arena_of(request).rankings.submit, user.account.id, ranking_id,
                            _numbers(form, "rank"), _numbers(form, "explanation"))
    return RedirectResponse(f"/rankings/{ranking_id}", status_code=303)


async def _form(request: Request) -> dict[str, list[str]]:
    if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        raise UnsupportedBody("send the form as the page does (urlencoded)")
    body = await request.body()
    return await run_in_threadpool(parse_qs, body.decode("utf-8", errors="replace"), True)


def _numbers(form: dict[str, list[str]], key: str) -> list[int]:
    """``rank_0``, ``rank_1``… in answer order; a missing or non-number value is one
    clear sentence, never a 500."""
    out, index = [], 0
    while f"{key}_{index}" in form:
        value = _one(form, f"{key}_{index}").strip()
        if not value.isdigit():
            raise UserInputError(f"choose a {key} for every answer")
        out.append(int(value))
        index += 1
    return out


def _one(form: dict[str, list[str]], key: str) -> str:
    values = form.get(key)
    return values[0] if values else ""
