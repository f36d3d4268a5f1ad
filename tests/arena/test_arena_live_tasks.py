"""Live battles on drawn suite tasks: the admin enables a suite, a rater draws one of its
tasks, two enabled models answer it live (against the local OpenAI-protocol server),
the answers are run against the task's tests, and the verdicts are there after the vote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fake_openai import FakeOpenAI, prompt_text

from fairclimb.arena import Arena, ArenaDenied, ArenaOptions, Role, SignedIn
from fairclimb.errors import UnknownSuiteError
from fairclimb.models import ModelSpec, Terms
from fairclimb.store import Store
from fairclimb.suites import get_suite

_TASKS = get_suite("humaneval").tasks


def _responder(request: dict[str, Any]) -> str:
    """model right-id answers with the task's reference solution, wrong-id with None."""
    text = prompt_text(request)
    task = next(t for t in _TASKS if t.prompt.strip() in text)
    if request["model"] == "right-id":
        return f"```python\n{task.prompt}{task.reference}```\n"
    return f"```python\ndef {task.entry_point}(*args, **kwargs):\n    return None\n```\n"


def _rater(arena: Arena, name: str) -> SignedIn:
    account = arena.accounts.create(name, "rater-password-1", Role.RATER)
    arena.briefing.accept(account, 1)
    refreshed = arena.data.account(username=name)
    assert refreshed is not None
    return arena.accounts.session(arena.accounts.start_session(refreshed)[0])


@pytest.fixture
def arena(tmp_path: Path, fake_openai: FakeOpenAI) -> Arena:
    fake_openai.set_responder(_responder)
    store = Store.open(str(tmp_path / "arena.db"))
    for name in ("right", "wrong"):
        store.add_model(ModelSpec(name=name, base_url=fake_openai.base_url,
                                  model_id=f"{name}-id", terms=Terms.ALLOW))
    arena = Arena(store, ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                                      fast_vote_seconds=0.0, gold_rate=0.0),
                  np.random.default_rng(3))
    arena.briefing.publish(20.0, "USD", "the test team")
    arena.live.set_enabled("right", True)
    arena.live.set_enabled("wrong", True)
    return arena


def test_a_drawn_task_is_answered_live_and_its_verdicts_shown_after_the_vote(
        arena: Arena) -> None:
    rater = _rater(arena, "tara")
    with pytest.raises(ArenaDenied, match="not enabled a suite"):
        arena.start_live_task(rater)
    with pytest.raises(UnknownSuiteError):
        arena.live_suites.set_enabled("no-such-suite", True)
    assert arena.live_suites.set_enabled("humaneval", True) == ["humaneval"]

    battle_id = arena.start_live_task(rater)
    battle = arena.battle(rater, battle_id)
    prompt = battle.prompt
    assert prompt.suite == "humaneval" and prompt.task_id in {t.task_id for t in _TASKS}
    assert arena.shown_verdicts(rater, battle_id) is None  # not before the vote
    arena.vote(rater, battle_id, "tie")
    shown = arena.shown_verdicts(rater, battle_id)
    assert shown is not None and None not in shown
    passed = {model: (v.passed, v.status.value) for model, v in
              zip((battle.model_a, battle.model_b), shown, strict=True) if v is not None}
    assert passed == {"right": (True, "passed"), "wrong": (False, "failed")}
    # the models were asked what evaluation asks, and the cache knows the task
    stored = [r[-2] for r in arena.data.generations() if r[-2].get("origin") == "arena-live"]
    assert {r["task_id"] for r in stored} == {prompt.task_id} and len(stored) == 2

    # a drawn task is never one the rater has already judged
    second = arena.battle(rater, arena.start_live_task(rater))
    assert second.prompt != battle.prompt
