"""Rater pages beyond the vote: skip a task they cannot judge, their own progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fairclimb.web._common import arena_of, render, signed_in

router = APIRouter()
BattleId = Annotated[int, Path(ge=1, le=2**62)]


@router.post("/battles/{battle_id}/skip")
def skip(request: Request, battle_id: BattleId,
         csrf: Annotated[str, Form()] = "") -> Response:
    user = signed_in(request)
    user.check_csrf(csrf)
    arena_of(request).skip(user, battle_id)
    return RedirectResponse("/battle", status_code=303)


@router.get("/me", response_class=HTMLResponse)
def my_work(request: Request) -> Response:
    user = signed_in(request)
    return render(request, "me.html", {"pay": arena_of(request).own_pay(user)}, user=user)
