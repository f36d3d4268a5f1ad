"""Properties of the record gate across every path that makes records (issue 10).

For each path (distill, a votes file, the arena via ``--from-arena``, a person's
correction, a trainer's own generations), a text that holds a benchmark task, or that a
model whose terms forbid training wrote, never ends up in a kept record.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairclimb.arena import Arena, ArenaOptions, Role, import_arena_feedback
from fairclimb.data import (
    GeneratedAnswer,
    Vote,
    admit_generations,
    distill,
    import_feedback,
    plan_distill,
    read_prompts,
    read_votes,
)
from fairclimb.errors import UserInputError
from fairclimb.models import GenerationParams, ModelSpec, RetryPolicy, Terms, open_backend
from fairclimb.store import DataRepository, SampleIn, Store
from fairclimb.suites import get_suite

TASKS = get_suite("humaneval").tasks[:40]
OPEN, CLOSED = "m-open", "m-closed"
PROMPT = "def tidy(items):\n    \"\"\"Return the items sorted and without repeats.\"\"\"\n"
OTHER = "def tidy(items):\n    return items  # leaves them as they are\n"
_SPACE = re.compile(r"\s+")

# A path makes records in which *model* wrote *text* (for a correction: a person wrote
# *text* to fix *model*'s answer). It returns what the gate refused.
Path_ = Callable[[Store, Path, str, str, Any], dict[str, int]]


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _kept_texts(store: Store) -> tuple[list[str], set[str]]:
    """The texts of the kept records, and every status the dataset's offers have."""
    members = DataRepository(store).members("d")
    return ([_norm("\n".join(_strings(m.record.content))) for m in members
             if m.status == "kept"], {m.status for m in members})


def _vote(text: str, model: str, **extra: Any) -> Vote:
    fields: dict[str, Any] = {"prompt": PROMPT, "answer_a": text, "answer_b": OTHER,
                              "model_a": model, "model_b": OPEN, "winner": "a",
                              "rater": "otter", "vote_id": "v1", **extra}
    return Vote(**fields)


def via_votes_file(store: Store, tmp: Path, text: str, model: str, _: Any) -> dict[str, int]:
    path = tmp / "votes.jsonl"
    path.write_text(json.dumps(asdict(_vote(text, model))) + "\n")
    counts: dict[str, int] = import_feedback(store, read_votes(path), "d", str(path))["refused"]
    return counts


def via_correction(store: Store, tmp: Path, text: str, model: str, _: Any) -> dict[str, int]:
    vote = _vote("def tidy(items):\n    return sorted(items)\n", model, winner="b",
                 correction=text, corrected_side="a")
    counts: dict[str, int] = import_feedback(store, [vote], "d", "votes")["refused"]
    return counts


def via_arena(store: Store, tmp: Path, text: str, model: str, _: Any) -> dict[str, int]:
    arena = Arena(store, ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                                      fast_vote_seconds=0.0, gold_rate=0.0),
                  np.random.default_rng(0))
    arena.briefing.publish(20.0, "USD", "the test team")
    arena.import_samples([SampleIn(model, PROMPT, text), SampleIn("m-other", PROMPT, OTHER)])
    account = arena.accounts.create("rater", "rater-password-1", Role.RATER)
    arena.briefing.accept(account, 1)
    refreshed = arena.data.account(username="rater")
    assert refreshed is not None
    rater = arena.accounts.session(arena.accounts.start_session(refreshed)[0])
    battle = arena.battle(rater, arena.next_battle(rater))
    arena.vote(rater, battle.id, "model_a" if battle.answer_a == text else "model_b")
    counts: dict[str, int] = import_arena_feedback(store, "d")["refused"]
    return counts


def via_trainer(store: Store, tmp: Path, text: str, model: str, _: Any) -> dict[str, int]:
    return admit_generations(store, "d", [GeneratedAnswer(PROMPT, text, model)],
                             source="trainer").refused


def via_distill(store: Store, tmp: Path, text: str, model: str,
                fake: Any) -> dict[str, int]:
    fake.set_responder(lambda request: text)
    prompts = tmp / "prompts.jsonl"
    prompts.write_text(json.dumps({"prompt": PROMPT}) + "\n")  # no tests: kept unverified
    spec = store.require_model(model)
    try:
        plan = plan_distill(spec, read_prompts(prompts), 1, "d", GenerationParams())
    except UserInputError:
        assert fake.calls == 0  # refused before anything was asked
        return {"terms_forbid": 1}
    return distill(plan, store, open_backend(spec, {}, RetryPolicy())).refused


PATHS = [via_distill, via_votes_file, via_arena, via_correction, via_trainer]
PROPERTY = settings(max_examples=4, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _run(path: Path_, fake: Any, text: str,
         model: str) -> tuple[list[str], set[str], dict[str, int]]:
    with tempfile.TemporaryDirectory() as tmp, Store.open(str(Path(tmp) / "s.db")) as store:
        for name, terms in ((OPEN, Terms.ALLOW), (CLOSED, Terms.FORBID)):
            store.add_model(ModelSpec(name=name, base_url=fake.base_url, model_id=name,
                                      terms=terms))
        fake.reset()
        refused = path(store, Path(tmp), text, model, fake)
        return (*_kept_texts(store), refused)


planted = st.builds(
    lambda task, whole, before, after: (
        task, f"{before}\n{task.prompt + task.reference if whole else task.prompt}\n{after}"),
    st.sampled_from(TASKS), st.booleans(),
    st.text(alphabet="abcdefghij #=\n", max_size=40),
    st.text(alphabet="abcdefghij #=\n", max_size=40))
benign = st.text(alphabet="abcdefghijklmnop_", min_size=8, max_size=30).map(
    lambda name: f"def tidy(items):\n    {name} = sorted(set(items))\n    return {name}\n")


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.__name__)
@PROPERTY
@given(item=planted)
def test_a_planted_benchmark_text_is_never_kept(path: Path_, fake_openai: Any,
                                                item: tuple[Any, str]) -> None:
    task, text = item
    kept, statuses, _ = _run(path, fake_openai, text, OPEN)
    assert "contaminated" in statuses  # the record was made, and found
    assert not any(_norm(task.prompt) in record for record in kept)


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.__name__)
@PROPERTY
@given(text=benign)
def test_a_forbid_model_output_is_refused(path: Path_, fake_openai: Any, text: str) -> None:
    kept, _, refused = _run(path, fake_openai, text, CLOSED)
    assert refused.get("terms_forbid", 0) >= 1
    assert not any(_norm(text) in record for record in kept)
    # The same text from a model whose terms allow it is kept: the gate refused the
    # model, not the text.
    kept, _, refused = _run(path, fake_openai, text, OPEN)
    assert refused == {} and any(_norm(text) in record for record in kept)
