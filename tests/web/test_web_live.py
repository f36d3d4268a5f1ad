"""Live battles end to end in a real browser (Debian's chromium) against the local
OpenAI-protocol server: a rater writes a prompt, two enabled registered models answer
it through the registry and the generation cache, the rater votes and sees who."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from arena_seed import PASSWORD, Running
from fake_openai import FakeOpenAI, prompt_text
from helpers import invited_client

from fairclimb.arena import Role
from fairclimb.errors import UnknownModelError
from fairclimb.models import ModelSpec, Terms
from fairclimb.suites import get_suite

pytestmark = pytest.mark.slow
LIVE = ("live-alpha", "live-beta", "live-gamma")


@pytest.fixture
def live(server: Running, fake_openai: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """Three registered models on the local server, two of them enabled."""
    fake_openai.set_responder(lambda r: f"```python\ndef answer():\n    return "
                                        f"{r['model']!r}  # {len(str(r))}\n```")
    store = server.arena.data.store
    for name in LIVE:
        if store.get_model(name) is None:  # the server (and its store) is per module
            store.add_model(ModelSpec(name=name, base_url=fake_openai.base_url,
                                      model_id=f"{name}-id", terms=Terms.ALLOW))
    server.arena.live.set_enabled("live-alpha", True)
    server.arena.live.set_enabled("live-beta", True)
    yield fake_openai
    for name in LIVE:
        server.arena.live.set_enabled(name, False)


def test_a_live_battle_end_to_end(browser: Any, server: Running, live: FakeOpenAI,
                                  join: Callable[..., int]) -> None:
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.set_default_timeout(30_000)  # the machine is shared: generous, not tight
    try:
        join(page, "live-rita", landing=r".*/battle$")
        live.set_delay(2.5)  # long enough to see the page before the answers
        page.fill("#live-form textarea[name=prompt]", "Write a function that says hello.")
        page.click("#start-live")
        page.wait_for_url(re.compile(r".*/live/[\w-]+$"))
        assert "Waiting" in page.inner_text("#live-a")  # the page came first
        page.wait_for_selector("#live-a .highlight, #live-a pre")  # swapped in by SSE
        assert "live-" in page.inner_text("#live-a") + page.inner_text("#live-b")
        page.click("#go-vote")
        page.wait_for_url(re.compile(r".*/battles/\d+$"))
        page.wait_for_selector("#vote-form")
        answers = page.inner_text("#answer-a") + page.inner_text("#answer-b")
        assert "Write a function that says hello." in page.inner_text(".prompt")
        assert "live-alpha-id" in answers and "live-beta-id" in answers  # both answered
        assert page.locator("#model-a").count() == 0  # anonymous until the vote
        page.check("input[name=winner][value=model_a]")
        page.click("#submit-vote")
        page.wait_for_selector("#result")
        shown = {page.inner_text("#model-a"), page.inner_text("#model-b")}
        assert shown == {"live-alpha", "live-beta"}  # never the model not enabled
    finally:
        context.close()
    assert live.calls == 2
    # (model, request, completion): the row's last three fields
    stored = [r[-3:] for r in server.arena.data.generations()
              if r[-2].get("origin") == "arena-live"]
    assert {model for model, _, _ in stored} == {"live-alpha", "live-beta"}
    assert all(request["terms"] == "allow" and request["model_id"] == f"{model}-id"
               and completion["text"] for model, request, completion in stored)


def test_only_enabled_registered_models_answer(server: Running, live: FakeOpenAI) -> None:
    with pytest.raises(UnknownModelError):
        server.arena.live.set_enabled("never-registered", True)
    server.arena.live.set_enabled("live-beta", False)
    server.arena.live.set_enabled("live-gamma", True)
    assert server.arena.live.enabled() == ["live-alpha", "live-gamma"]
    account = server.arena.accounts.create("live-sam", PASSWORD, Role.RATER)
    server.arena.briefing.accept(account, server.arena.briefing.current().version)
    refreshed = server.arena.data.account(username="live-sam")
    assert refreshed is not None
    rater = server.arena.accounts.session(server.arena.accounts.start_session(refreshed)[0])
    battle_id = server.arena.start_live(rater, "Reverse a string.")
    battle = server.arena.battle(rater, battle_id)
    assert {battle.model_a, battle.model_b} == {"live-alpha", "live-gamma"}
    assert 0 < battle.probability <= 1


def test_a_live_webdev_answer_runs_in_the_sandboxed_frame(browser: Any, server: Running,
                                                          live: FakeOpenAI,
                                                          join: Callable[..., int]) -> None:
    live.set_responder(lambda r: '<p id="p">static</p><script>document.getElementById('
                                 f'"p").textContent = "ran:" + {r["model"]!r};</script>')
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        join(page, "live-webdev", landing=r".*/battle$")
        page.fill("#live-form textarea[name=prompt]", "A page that says which model made it.")
        page.select_option("#live-form select[name=language]", "html")
        page.select_option("#live-form select[name=kind]", "webdev")
        page.click("#start-live")
        page.click("#go-vote")
        page.wait_for_url(re.compile(r".*/battles/\d+$"))
        for side in ("a", "b"):
            frame = page.frame_locator(f"#answer-{side} iframe")
            assert frame.locator("#p").inner_text().startswith("ran:live-")  # live, sandboxed
            assert page.get_attribute(f"#answer-{side} iframe", "sandbox") == "allow-scripts"
    finally:
        context.close()


def test_a_live_answer_streams_token_by_token(browser: Any, server: Running,
                                              live: FakeOpenAI,
                                              join: Callable[..., int]) -> None:
    """The page shows part of an answer before the whole: the models stream (SSE from
    the local server, a word per chunk) and the page gets the text so far."""
    words = " ".join(f"word{i}" for i in range(24))
    live.set_responder(lambda r: f"{r['model']} says {words}")
    live.set_chunk_delay(0.25)  # 26 chunks: about 6.5 s for a whole answer
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        join(page, "live-stream", landing=r".*/battle$")
        page.fill("#live-form textarea[name=prompt]", "Stream me twenty-four words.")
        page.click("#start-live")
        page.wait_for_url(re.compile(r".*/live/[\w-]+$"))
        page.wait_for_selector("#live .partial")
        partial = page.inner_text("#live .partial")
        assert partial.strip() and "word23" not in partial  # a part, not the whole
        assert page.locator("#go-vote").count() == 0
        page.wait_for_selector("#go-vote")
        whole = page.inner_text("#live-a") + page.inner_text("#live-b")
        assert whole.count("word23") == 2 and page.locator("#live .partial").count() == 0
    finally:
        context.close()
    assert all(r.body is not None and r.body.get("stream") is True for r in live.received)
    # the cache holds the whole answer, as a call that did not stream would have stored
    stored = [r[-1] for r in server.arena.data.generations()
              if "twenty-four" in str(r[-2].get("messages"))]
    assert len(stored) == 2 and all(c["text"].endswith("word23") for c in stored)
    assert all(c["completion_tokens"] > 0 and c["finish_reason"] == "stop" for c in stored)


def test_a_drawn_suite_task_is_answered_live_then_its_verdicts_shown(
        browser: Any, server: Running, live: FakeOpenAI, join: Callable[..., int]) -> None:
    """"Draw a task": a task of a suite the admin enabled, answered live by the enabled
    models, run against its tests; the verdicts appear after the vote."""
    tasks = get_suite("humaneval").tasks

    def respond(request: dict[str, Any]) -> str:
        task = next(t for t in tasks if t.prompt.strip() in prompt_text(request))
        if request["model"] == "live-alpha-id":
            return f"```python\n{task.prompt}{task.reference}```\n"
        return f"```python\ndef {task.entry_point}(*args, **kwargs):\n    return None\n```"

    live.set_responder(respond)
    server.arena.live_suites.set_enabled("humaneval", True)
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.set_default_timeout(60_000)  # the answers are executed in the sandbox first
    try:
        join(page, "live-drawer", landing=r".*/battle$")
        page.click("#draw-task")
        page.wait_for_url(re.compile(r".*/live/[\w-]+$"))
        page.click("#go-vote")
        page.wait_for_url(re.compile(r".*/battles/\d+$"))
        assert page.locator("#verdicts").count() == 0  # the tests would decide the vote
        page.check("input[name=winner][value=tie]")
        page.click("#submit-vote")
        page.wait_for_selector("#result")
        shown = {page.inner_text("#model-a"): page.inner_text("#verdict-a"),
                 page.inner_text("#model-b"): page.inner_text("#verdict-b")}
        assert shown == {"live-alpha": "passed", "live-beta": "failed"}
    finally:
        context.close()
        server.arena.live_suites.set_enabled("humaneval", False)


def test_an_unknown_live_job_is_a_clear_refusal(server: Running) -> None:
    """A job id no worker recorded (or one removed an hour after its start) is one
    clear sentence. (Jobs of another worker are found and streamed through the
    database: tests/web/test_web_live_workers.py.)"""
    client = invited_client(server, "live-elsewhere")
    for path in ("/live/job-of-another-process", "/live/job-of-another-process/events"):
        page = client.get(path)
        assert page.status_code == 403
        assert "not yours, or it has expired" in page.text
