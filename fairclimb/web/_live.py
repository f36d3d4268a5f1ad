"""Live battles: the rater's own prompt, answered now by two enabled models, each
answer streamed to the page as the model writes it (server-sent events, HTMX's sse
extension), then shown whole and highlighted."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from html import escape
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from fairclimb.arena import LiveJob
from fairclimb.web._common import arena_of, render, signed_in
from fairclimb.web._limits import UnsupportedBody
from fairclimb.web._render import highlighted

router = APIRouter()
_SIDES = ("a", "b")
_POLL_S = 0.1
_STREAM_LIMIT_S = 600.0  # a stream left open longer ends; the page says to reload


@router.post("/live")
async def start_live(request: Request) -> Response:
    """Session first, then the (capped) body, parsed in a worker thread; the models
    answer in a worker thread while the page streams what arrives."""
    user = await run_in_threadpool(signed_in, request)
    if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        raise UnsupportedBody("send the prompt as the page's form does (urlencoded)")
    form = await run_in_threadpool(parse_qs, (await request.body()).decode(
        "utf-8", errors="replace"), True)
    user.check_csrf(_one(form, "csrf"))
    arena = arena_of(request)
    if _one(form, "draw") == "task":  # a task from a suite the admin enabled
        job = await run_in_threadpool(arena.begin_live_task, user)
    else:
        job = await run_in_threadpool(
            arena.begin_live, user, _one(form, "prompt"),
            _one(form, "language") or "python", _one(form, "kind") or "implement")
    return RedirectResponse(f"/live/{job.id}", status_code=303)


@router.get("/live/{job_id}", response_class=HTMLResponse)
def live_page(request: Request, job_id: str) -> Response:
    user = signed_in(request)
    job = arena_of(request).live_jobs.get(user.account.id, job_id)
    return render(request, "live.html", {"job": job}, user=user)


@router.get("/live/{job_id}/events")
async def live_events(request: Request, job_id: str) -> Response:
    user = await run_in_threadpool(signed_in, request)
    job = arena_of(request).live_jobs.get(user.account.id, job_id)
    return StreamingResponse(_events(request, job), media_type="text/event-stream",
                             headers={"cache-control": "no-store",
                                      "x-accel-buffering": "no"})


async def _events(request: Request, job: LiveJob) -> AsyncIterator[str]:
    """Each answer's text so far as the model streams it, then the whole answer once
    (no model names: they come after the vote), then ``done`` with the link to vote, or
    what went wrong."""
    sent: set[int] = set()
    shown = dict.fromkeys(range(len(_SIDES)), 0)  # side -> characters of partial text sent
    deadline = time.monotonic() + _STREAM_LIMIT_S
    jobs = arena_of(request).live_jobs
    while time.monotonic() < deadline and not await request.is_disconnected():
        await run_in_threadpool(jobs.refresh, job)  # run by another worker: from the store
        for side, text in sorted(job.partial.items()):
            if side not in job.answers and len(text) > shown[side]:
                shown[side] = len(text)
                yield _event(f"answer-{_SIDES[side]}",
                             f'<pre class="partial">{escape(text)}</pre>')
        for side, answer in sorted(job.answers.items()):
            if side not in sent:
                sent.add(side)
                yield _event(f"answer-{_SIDES[side]}",
                             str(highlighted(answer.text, job.language, job.kind)))
        if job.done.is_set() and (job.error or len(sent) == len(_SIDES)):
            yield _event("done", _done_fragment(job))
            return
        await asyncio.sleep(_POLL_S)
    yield _event("done", '<p class="warning">This is taking too long; reload the page.</p>')


def _done_fragment(job: LiveJob) -> str:
    if job.error is not None:
        return f'<p class="warning" id="live-error">{escape(job.error)}</p>'
    return (f'<a class="button" id="go-vote" href="/battles/{job.battle_id}">'
            "Both answers are in: compare them and vote</a>")


def _event(name: str, html: str) -> str:
    """One server-sent event; every line of the fragment is its own ``data:`` line."""
    data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {name}\n{data}\n"


def _one(form: dict[str, list[str]], key: str) -> str:
    values = form.get(key)
    return values[0] if values else ""
