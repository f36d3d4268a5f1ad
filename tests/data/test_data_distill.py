"""Distillation end to end against the local OpenAI-protocol server and the sandbox."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fairclimb.data import (
    dataset_stats,
    distill,
    plan_distill,
    read_prompts,
    write_card,
)
from fairclimb.errors import UserInputError
from fairclimb.evaluate import EvalOptions
from fairclimb.models import GenerationParams, ModelSpec, RetryPolicy, Terms, open_backend
from fairclimb.store import DataRepository, Store
from fairclimb.suites import Split, Suite, Task

PARAMS = GenerationParams(temperature=0.8, max_tokens=128, seed=10)
OPTIONS = EvalOptions(workers=1)


def run(store: Store, spec: ModelSpec, prompts: Path, dataset: str = "d", n: int = 4,
        **kwargs: Any) -> Any:
    plan = plan_distill(spec, read_prompts(prompts), n, dataset, PARAMS, options=OPTIONS,
                        **kwargs)
    return distill(plan, store, open_backend(spec, os.environ, RetryPolicy()))


@pytest.mark.slow
def test_allowed_teacher_keeps_passing_answers_with_provenance(
        store: Store, teacher: Callable[[Terms], ModelSpec], prompts_file: Path,
        fake_openai: Any) -> None:
    spec = teacher(Terms.ALLOW)
    outcome = run(store, spec, prompts_file)
    assert (outcome.samples, outcome.passed, outcome.failed) == (8, 4, 4)
    assert outcome.pairs == 4 and fake_openai.calls == 8
    stats = dataset_stats(store, "d")
    assert stats["failed_execution"] == 4
    # one distinct right answer and one distinct pair per prompt: the rest repeat them
    assert stats["kept_by_kind"] == {"preference": 2, "sft": 2}
    assert stats["duplicates"] == 4
    members = DataRepository(store).members("d")
    sft = [m.record for m in members if m.status == "kept" and m.record.kind == "sft"]
    provenance = sft[0].provenance
    assert provenance["origin"] == "synthetic"
    generation = provenance["generation"]
    assert generation["model"] == "teacher-allow" and generation["terms"] == "allow"
    assert generation["terms_url"] == "https://example.invalid/terms/allow"
    assert generation["endpoint"] == fake_openai.base_url.rstrip("/")
    assert generation["response_id"] and len(generation["prompt_hash"]) == 64
    assert generation["params"]["temperature"] == 0.8
    assert provenance["checks"]["execution"] == "passed"
    assert provenance["transformations"][0]["tool"] == "fairclimb"
    assert provenance["terms_gate"]["override"] is False
    assert sft[0].content["messages"][-1]["role"] == "assistant"
    pair = next(m.record for m in members if m.record.kind == "preference")
    assert len(pair.provenance["parents"]) == 2
    # A rerun pays for nothing and adds nothing.
    again = run(store, spec, prompts_file)
    assert fake_openai.calls == 8 and again.calls == 0 and again.added == 0
    assert dataset_stats(store, "d") == stats


def test_forbidden_teacher_is_refused_and_nothing_is_stored(
        store: Store, teacher: Callable[[Terms], ModelSpec], prompts_file: Path,
        fake_openai: Any) -> None:
    spec = teacher(Terms.FORBID)
    with pytest.raises(UserInputError, match="forbid training other models"):
        run(store, spec, prompts_file)
    assert fake_openai.calls == 0
    assert DataRepository(store).list_datasets() == []


@pytest.mark.slow
def test_override_is_recorded_in_every_record_and_the_card(
        store: Store, teacher: Callable[[Terms], ModelSpec], prompts_file: Path,
        tmp_path: Path) -> None:
    spec = teacher(Terms.FORBID)
    with pytest.raises(UserInputError, match="--reason"):
        run(store, spec, prompts_file, override_terms=True)
    reason = "written permission from the provider, ticket 42"
    run(store, spec, prompts_file, n=2, override_terms=True, reason=reason)
    members = DataRepository(store).members("d")
    assert members and all(m.record.provenance["terms_gate"]["override"] is True
                           and m.record.provenance["terms_gate"]["reason"] == reason
                           for m in members)
    card = write_card(store, "d", tmp_path / "card")
    text = card.markdown.read_text()
    assert reason in text and "forbid" in text
    croissant = json.loads(card.croissant.read_text())
    assert reason in croissant["rai:dataLimitations"]
    assert "http://mlcommons.org/croissant/RAI/1.0" in croissant["conformsTo"]
    # A distilled set says nothing about raters or votes, and settings read as JSON.
    text = json.dumps(croissant)
    assert "pairwise votes" not in text.lower() and "raters" not in text
    assert "rai:annotatorDemographics" not in croissant
    assert "{'" not in text, "a Python repr in the Croissant file"


@pytest.mark.slow
def test_unknown_terms_proceed_with_a_recorded_warning(
        store: Store, teacher: Callable[[Terms], ModelSpec], prompts_file: Path,
        tmp_path: Path) -> None:
    outcome = run(store, teacher(Terms.UNKNOWN), prompts_file, n=2)
    assert outcome.warning and "unknown" in outcome.warning
    members = DataRepository(store).members("d")
    assert all(m.record.provenance["terms_gate"]["warning"] == outcome.warning
               for m in members)
    assert outcome.warning in write_card(store, "d", tmp_path / "c").markdown.read_text()


def test_prompts_without_tests_are_kept_unverified(
        store: Store, teacher: Callable[[Terms], ModelSpec], tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"prompt": "Write a haiku about lists."}) + "\n")
    outcome = run(store, teacher(Terms.ALLOW), path, n=1)
    assert (outcome.unverified, outcome.passed, outcome.failed) == (1, 0, 0)
    stats = dataset_stats(store, "d")
    assert stats["unverified"] == 1 and stats["kept"] == 1


@pytest.mark.parametrize(("content", "message"), [
    ('{"prompt": "x"}\nnot json\n', "p.jsonl:2: not a JSON object"),
    ('{"prompt": ""}\n', "p.jsonl:1: needs a non-empty string \"prompt\""),
    ('{"prompt": "x", "tests": "def check(c): pass"}\n', "p.jsonl:1: has \"tests\" but no"),
])
def test_bad_prompts_file_names_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(content)
    with pytest.raises(UserInputError, match=message.replace("(", r"\(")):
        read_prompts(path)


def test_private_tasks_need_explicit_permission() -> None:
    task = Task("secret/1", "secret", "def f():\n", "f", "    return 1\n",
                "def check(c):\n    assert c() == 1\n", split=Split.PRIVATE)
    spec = ModelSpec(name="t", base_url="http://127.0.0.1:9/v1", model_id="m",
                     terms=Terms.ALLOW)
    suite = Suite("secret", "", "", (task,))
    with pytest.raises(UserInputError, match="--include-private"):
        plan_distill(spec, suite, 1, "d", PARAMS)
    assert plan_distill(spec, suite, 1, "d", PARAMS, include_private=True).suite is suite
