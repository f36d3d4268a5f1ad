"""The admin's access page: invites and API tokens (revoke), accounts (disable, enable).
Password resets stay on the CLI (``fairclimb arena reset-password``): a new password
typed into a page would have to be sent to the person some other way anyway."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fairclimb.arena import SignedIn
from fairclimb.errors import UserInputError
from fairclimb.web._common import arena_of, render, signed_in

router = APIRouter(prefix="/admin/access")
FormText = Annotated[str, Form()]


def _admin(request: Request, csrf: str | None = None) -> SignedIn:
    user = signed_in(request)
    user.require_admin()
    if csrf is not None:
        user.check_csrf(csrf)
    return user


@router.get("", response_class=HTMLResponse)
def access_page(request: Request) -> Response:
    user = _admin(request)
    accounts = arena_of(request).accounts
    return render(request, "access.html", {"credentials": accounts.credentials(),
                                           "accounts": accounts.account_states()}, user=user)


@router.post("/revoke")
def revoke(request: Request, csrf: FormText = "", ref: FormText = "") -> Response:
    _admin(request, csrf)
    arena_of(request).accounts.revoke(ref)
    return RedirectResponse("/admin/access", status_code=303)


@router.post("/account")
def set_account(request: Request, csrf: FormText = "", username: FormText = "",
                action: FormText = "") -> Response:
    user = _admin(request, csrf)
    if action == "disable" and username == user.account.username:
        raise UserInputError("you cannot disable your own account here; use the CLI")
    arena_of(request).accounts.set_disabled(username, action == "disable")
    return RedirectResponse("/admin/access", status_code=303)
