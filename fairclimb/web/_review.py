"""The admin's review screen: every vote with its labels, comment and correction,
overruling a QC exclusion, asking more raters, and their agreement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fairclimb.arena import SignedIn
from fairclimb.web._common import arena_of, render, signed_in

router = APIRouter(prefix="/admin/review")
FormText = Annotated[str, Form()]


def _admin(request: Request, csrf: str | None = None) -> SignedIn:
    user = signed_in(request)
    user.require_admin()
    if csrf is not None:
        user.check_csrf(csrf)
    return user


@router.get("", response_class=HTMLResponse)
def review_page(request: Request) -> Response:
    user = _admin(request)
    arena = arena_of(request)
    return render(request, "review.html", {"rows": arena.review(),
                                           "agreement": arena.rater_agreement()}, user=user)


@router.post("/{battle_id}/overrule")
def overrule(request: Request, battle_id: int, csrf: FormText = "",
             why: FormText = "") -> Response:
    user = _admin(request, csrf)
    arena_of(request).overrule(user, battle_id, why)
    return RedirectResponse(f"/admin/review#vote-{battle_id}", status_code=303)


@router.post("/{battle_id}/raters")
def ask_raters(request: Request, battle_id: int, csrf: FormText = "",
               raters: Annotated[int, Form()] = 3) -> Response:
    user = _admin(request, csrf)
    arena_of(request).reviews.ask_raters(user, battle_id, raters)
    return RedirectResponse(f"/admin/review#vote-{battle_id}", status_code=303)
