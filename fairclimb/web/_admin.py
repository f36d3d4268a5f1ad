"""Admin pages: raters and pay, invites, prompts, the briefing, sampling, QC flags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fairclimb.arena import Role, SignedIn
from fairclimb.web._common import arena_of, public_base, render, signed_in

router = APIRouter(prefix="/admin")
FormText = Annotated[str, Form()]


def _admin(request: Request, csrf: str | None = None) -> SignedIn:
    user = signed_in(request)
    user.require_admin()
    if csrf is not None:
        user.check_csrf(csrf)
    return user


@router.get("", response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    user = _admin(request)
    arena = arena_of(request)
    return render(request, "admin.html", {
        "pay": arena.pay(), "quality": arena.quality(), "briefing": arena.briefing.current(),
        "gold_rate": arena.gold_rate(), "prompts": len(arena.data.prompts()),
        "sampling": arena.sampling(), "shown": {}, "agreement": arena.test_agreement(),
        "gold_possible": arena.gold_possible(), "controls": arena.controls}, user=user)


@router.get("/sampling", response_class=HTMLResponse)
def sampling_panel(request: Request) -> Response:
    """The sampling policy and shares alone (HTMX refreshes it in place)."""
    user = _admin(request)
    return render(request, "_sampling.html", {"sampling": arena_of(request).sampling()},
                  user=user)


@router.post("/invites", response_class=HTMLResponse)
def create_invite(request: Request, csrf: FormText = "", role: FormText = "rater") -> Response:
    user = _admin(request, csrf)
    token = arena_of(request).accounts.invite(Role(role) if role in ("admin", "rater")
                                              else Role.RATER)
    link = public_base(request) + f"/invite/{token}"
    return render(request, "shown_once.html", {"what": "Invite link (single use)",
                                               "value": link}, user=user)


@router.post("/api-tokens", response_class=HTMLResponse)
def create_api_token(request: Request, csrf: FormText = "", name: FormText = "api") -> Response:
    user = _admin(request, csrf)
    token = arena_of(request).accounts.api_token(name or "api")
    return render(request, "shown_once.html", {"what": f"API token {name!r}",
                                               "value": token}, user=user)


@router.post("/prompts")
def add_prompt(request: Request, csrf: FormText = "", text: FormText = "",
               language: FormText = "python", kind: FormText = "implement") -> Response:
    _admin(request, csrf)
    arena_of(request).add_prompt(text, language, kind)
    return RedirectResponse("/admin", status_code=303)


@router.post("/briefing")
def publish_briefing(request: Request, csrf: FormText = "",
                     pay_per_hour: Annotated[float, Form()] = 0.0, currency: FormText = "USD",
                     recipients: FormText = "", text: FormText = "") -> Response:
    _admin(request, csrf)
    arena_of(request).briefing.publish(pay_per_hour, currency, recipients or None,
                                       text or None)
    return RedirectResponse("/admin", status_code=303)


@router.post("/gold-rate")
def set_gold_rate(request: Request, csrf: FormText = "",
                  rate: Annotated[float, Form()] = 0.1) -> Response:
    _admin(request, csrf)
    arena_of(request).set_gold_rate(rate)
    return RedirectResponse("/admin", status_code=303)
