"""Rater pages: sign in, invites, the briefing, battles and votes, the leaderboard."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from fairclimb.arena import (
    AlreadyVoted,
    ArenaDenied,
    NotSignedIn,
    RateLimited,
    render_ratings_svg,
)
from fairclimb.errors import UserInputError
from fairclimb.web._common import (
    arena_of,
    check_pre_csrf,
    checked_session,
    hot_path,
    keep_pre_csrf,
    pre_csrf,
    render,
    set_session_cookie,
    signed_in,
)
from fairclimb.web._limits import UnsupportedBody
from fairclimb.web._security import FRAME_CSP, SESSION_COOKIE, guarded_answer

router = APIRouter()
_LOGIN_MESSAGES = {"expired": "your session expired; please sign in again",
                   "signin": "please sign in", "out": "you are signed out"}
FormText = Annotated[str, Form()]
_PARSE_ON_LOOP = 8 * 1024  # bytes of form parsed on the event loop (microseconds)
# An id the database can hold: anything else is "no such page", not an overflow error.
BattleId = Annotated[int, Path(ge=1, le=2**62)]


@router.post("/battles/{battle_id}/vote")
async def vote(request: Request, battle_id: BattleId) -> Response:
    """The hot path. The session is checked before the body is read (in BodyLimits,
    which also caps it, and here if it did not); the write, and the parsing of a large
    body, run in worker threads, so a vote waiting for the database never stops the
    event loop (in the hot path's own few threads: see ``_threads``). A thread hop
    costs more than parsing a small form, so that is done here."""
    hot = hot_path(request)
    user = checked_session(request)
    if user is None:
        user = await hot.run(signed_in, request)
    if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        raise UnsupportedBody("send the vote as the page's form does (urlencoded)")
    body = await request.body()
    form = _parse(body) if len(body) <= _PARSE_ON_LOOP else await hot.run(_parse, body)
    user.check_csrf(_one(form, "csrf"))
    winner, comment, correction = (_one(form, "winner"), _one(form, "comment"),
                                   _one(form, "correction"))
    labels_a, labels_b = form.get("labels_a", []), form.get("labels_b", [])
    try:
        await hot.run(arena_of(request).vote, user, battle_id, winner, labels_a, labels_b,
                      comment, correction)
    except AlreadyVoted:
        raise  # the first vote stands: nothing entered to keep
    except (UserInputError, RateLimited) as refused:
        entered: dict[str, object] = {"winner": winner, "labels_a": labels_a,
                                      "labels_b": labels_b, "comment": comment,
                                      "correction": correction}
        # the page again, with what the rater wrote and why it was not taken
        return await run_in_threadpool(_battle_again, request, battle_id, entered,
                                       str(refused), 429 if isinstance(refused, RateLimited)
                                       else 400)
    return RedirectResponse(f"/battles/{battle_id}", status_code=303)


def _battle_again(request: Request, battle_id: int, entered: dict[str, object],
                  error: str, status: int) -> Response:
    user = signed_in(request)
    arena = arena_of(request)
    battle = arena.battle(user, battle_id)
    return render(request, "battle.html", {
        "battle": battle, "verdicts": None, "entered": entered, "error": error,
        "number": arena.task_number(battle)}, status=status, user=user)


def _parse(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def _one(form: dict[str, list[str]], key: str) -> str:
    values = form.get(key)
    return values[0] if values else ""


@router.get("/")
def home(request: Request) -> Response:
    user = signed_in(request)
    return RedirectResponse("/admin" if user.account.role == "admin" else "/battle", 303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, m: str = "") -> Response:
    # Only messages of our own: a link cannot put words on the sign-in page.
    token = pre_csrf(request)
    page = render(request, "login.html", {"message": _LOGIN_MESSAGES.get(m, ""), "csrf": token})
    return keep_pre_csrf(request, page, token)


@router.post("/login")
def login(request: Request, username: FormText = "", password: FormText = "",
          csrf: FormText = "") -> Response:
    check_pre_csrf(request, csrf)
    try:
        address = request.client.host if request.client else None
        token, _ = arena_of(request).accounts.login(username, password, address)
    except NotSignedIn as exc:
        page = render(request, "login.html", {"message": str(exc), "csrf": csrf}, status=401)
        return page
    response = RedirectResponse("/", status_code=303)
    hours = arena_of(request).options.session_hours
    set_session_cookie(request, response, token, int(hours * 3600))
    return response


@router.post("/logout")
def logout(request: Request, csrf: FormText = "") -> Response:
    user = signed_in(request)
    user.check_csrf(csrf)
    arena_of(request).accounts.logout(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login?m=out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/invite/{token}", response_class=HTMLResponse)
def invite_page(request: Request, token: str) -> Response:
    valid = arena_of(request).accounts.invite_valid(token)
    csrf = pre_csrf(request)
    page = render(request, "invite.html", {"valid": valid, "token": token, "csrf": csrf},
                  status=200 if valid else 404)
    return keep_pre_csrf(request, page, csrf)


@router.post("/invite/{token}")
def accept_invite(request: Request, token: str, username: FormText = "",
                  password: FormText = "", csrf: FormText = "") -> Response:
    check_pre_csrf(request, csrf)
    arena = arena_of(request)
    account = arena.accounts.redeem(token, username, password)
    session_token, _ = arena.accounts.start_session(account)
    response = RedirectResponse("/briefing", status_code=303)
    set_session_cookie(request, response, session_token,
                       int(arena.options.session_hours * 3600))
    return response


@router.get("/briefing", response_class=HTMLResponse)
def briefing_page(request: Request) -> Response:
    user = signed_in(request)
    briefing = arena_of(request).briefing.current()
    accepted = briefing is not None and user.account.briefing_version == briefing.version
    return render(request, "briefing.html", {"briefing": briefing, "accepted": accepted},
                  user=user)


@router.post("/briefing")
def accept_briefing(request: Request, version: Annotated[int, Form()] = 0,
                    csrf: FormText = "") -> Response:
    user = signed_in(request)
    user.check_csrf(csrf)
    arena_of(request).briefing.accept(user.account, version)
    return RedirectResponse("/battle", status_code=303)


@router.get("/battle")
def battle_home(request: Request) -> Response:
    user = signed_in(request)
    arena = arena_of(request)
    arena.require_briefed(user)
    open_id = arena.data.open_battle(user.account.id)
    if open_id is not None:
        return RedirectResponse(f"/battles/{open_id}", status_code=303)
    live = len(arena.live.specs()) >= 2
    return render(request, "ready.html", {
        "live": live, "live_tasks": live and bool(arena.live_suites.enabled())}, user=user)


@router.post("/battle/new")
def new_battle(request: Request, csrf: FormText = "") -> Response:
    user = signed_in(request)
    user.check_csrf(csrf)
    battle_id = arena_of(request).next_battle(user)
    return RedirectResponse(f"/battles/{battle_id}", status_code=303)


@router.get("/battles/{battle_id}", response_class=HTMLResponse)
def battle_page(request: Request, battle_id: BattleId) -> Response:
    user = signed_in(request)
    arena = arena_of(request)
    battle = arena.battle(user, battle_id)
    return render(request, "battle.html", {
        "battle": battle, "verdicts": arena.shown_verdicts(user, battle_id),
        "entered": {}, "error": None, "number": arena.task_number(battle)}, user=user)


@router.get("/battles/{battle_id}/render/{side}")
def render_answer(request: Request, battle_id: BattleId, side: str) -> Response:
    """A webdev answer as its own document, only inside the battle page's sandboxed
    frame (see FRAME_CSP and FRAME_GUARD). Opened alone it would be the tab's top
    document, free to navigate the tab anywhere: the browser's Sec-Fetch-Dest says
    where it goes, and anything but a frame gets a page pointing to the task."""
    user = signed_in(request)
    battle = arena_of(request).battle(user, battle_id)
    if request.headers.get("sec-fetch-dest") != "iframe":
        raise ArenaDenied(f"an answer is shown only inside its task page; open "
                          f"/battles/{battle_id}")
    answer = battle.answer_a if side == "a" else battle.answer_b
    return HTMLResponse(guarded_answer(answer),
                        headers={"content-security-policy": FRAME_CSP,
                                 "cache-control": "no-store"})


def _filters(language: str, kind: str) -> tuple[str | None, str | None]:
    return language.strip() or None, kind.strip() or None


@router.get("/leaderboard", response_class=HTMLResponse)
def leaderboard(request: Request, language: str = "", kind: str = "") -> Response:
    user = signed_in(request)
    arena_of(request).require_leaderboard(user)
    board = arena_of(request).leaderboard(*_filters(language, kind))
    plot = "/leaderboard.svg?" + urlencode({"language": language, "kind": kind})
    return render(request, "leaderboard.html", {
        "board": board, "language": language, "kind": kind, "plot": plot,
        "pass_rates": arena_of(request).pass_rates(),
        "explanations": arena_of(request).rankings.explanation_scores(),
        "chain": arena_of(request).data.vote_chain_head()}, user=user)


@router.get("/leaderboard.svg")
def leaderboard_plot(request: Request, language: str = "", kind: str = "") -> Response:
    """The ratings plot as its own document: the page's CSP allows images from 'self'."""
    arena_of(request).require_leaderboard(signed_in(request))
    board = arena_of(request).leaderboard(*_filters(language, kind))
    models = board.ratings.models if board.ratings else ()
    return Response(render_ratings_svg(models), media_type="image/svg+xml",
                    headers={"cache-control": "no-store"})
