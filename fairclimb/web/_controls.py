"""Admin switches for a running study: pause, private leaderboard, retire a model or
an answer, pay as CSV per period."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fairclimb.arena import SignedIn, pay_csv
from fairclimb.errors import UserInputError
from fairclimb.web._common import arena_of, signed_in

router = APIRouter(prefix="/admin")
FormText = Annotated[str, Form()]


def _admin(request: Request, csrf: str | None = None) -> SignedIn:
    user = signed_in(request)
    user.require_admin()
    if csrf is not None:
        user.check_csrf(csrf)
    return user


@router.post("/pause")
def pause(request: Request, csrf: FormText = "", paused: FormText = "") -> Response:
    arena_of(request).controls.set_paused(_admin(request, csrf), paused == "yes")
    return RedirectResponse("/admin#controls", status_code=303)


@router.post("/private")
def private(request: Request, csrf: FormText = "", private: FormText = "") -> Response:
    arena_of(request).controls.set_private(_admin(request, csrf), private == "yes")
    return RedirectResponse("/admin#controls", status_code=303)


@router.post("/retire-model")
def retire_model(request: Request, csrf: FormText = "", model: FormText = "",
                 retired: FormText = "yes") -> Response:
    arena_of(request).controls.retire_model(_admin(request, csrf), model.strip(),
                                            retired == "yes")
    return RedirectResponse("/admin#controls", status_code=303)


@router.post("/retire-answer")
def retire_answer(request: Request, csrf: FormText = "",
                  answer: Annotated[int, Form()] = 0, retired: FormText = "yes") -> Response:
    arena_of(request).controls.retire_sample(_admin(request, csrf), answer, retired == "yes")
    return RedirectResponse("/admin#controls", status_code=303)


@router.get("/pay.csv")
def pay_as_csv(request: Request, start: str = "", end: str = "") -> Response:
    """Pay for the days [start, end) (YYYY-MM-DD, UTC; either may be left out)."""
    _admin(request)
    begins, ends = _day(start, "start"), _day(end, "end")
    text = pay_csv(arena_of(request).pay(begins, ends), begins, ends)
    name = f"pay_{start or 'all'}_{end or 'now'}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def _day(text: str, what: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        return datetime.combine(date.fromisoformat(text.strip()), time(), UTC)
    except ValueError:
        raise UserInputError(f"the period's {what} {text!r} is not a date; write YYYY-MM-DD"
                             ) from None
