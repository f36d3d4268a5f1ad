"""Every path that makes records goes through the gate: no other code stores one, the
arena path (``arena import-generations`` -> battle -> vote -> ``--from-arena``) is
gated, and a served model that is not the registered one is caught."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import fairclimb
from fairclimb.arena import Arena, ArenaOptions, Role, import_arena_feedback
from fairclimb.data import (
    Candidate,
    DropReason,
    GeneratedAnswer,
    Origin,
    RecordKind,
    TrainingRecord,
    admit,
    admit_generations,
    distill,
    plan_distill,
    read_prompts,
    record_alias,
    write_card,
)
from fairclimb.data._card import card_facts
from fairclimb.evaluate import build_request
from fairclimb.models import (
    ApiStyle,
    Completion,
    CompletionRequest,
    GenerationParams,
    ModelSpec,
    Terms,
)
from fairclimb.store import DataRepository, Store
from fairclimb.suites import get_suite

PACKAGE = Path(fairclimb.__file__).parent
# What makes or stores a record, and the only files allowed to: the gate stores, the
# record type builds its stored form, the repository defines both.
MAKERS = re.compile(r"\badd_offers\(|\bOffer\(|\.stored\(\)|\bStoredRecord\(")
ALLOWED = {"data/_gate.py", "data/_records.py", "store/_data.py"}


def test_no_code_outside_the_gate_stores_records() -> None:
    found = {str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
             if MAKERS.search(path.read_text(encoding="utf-8"))}
    assert found == ALLOWED


def _register(store: Store, name: str, terms: Terms, model_id: str | None = None) -> None:
    store.add_model(ModelSpec(name=name, base_url="http://127.0.0.1:9/v1",
                              model_id=model_id or name, terms=terms))


def test_arena_generations_of_a_forbid_model_never_become_records(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "a.db")) as store:
        _register(store, "open-model", Terms.ALLOW)
        _register(store, "closed-model", Terms.FORBID)
        for p, task in enumerate(get_suite("humaneval").tasks[:6]):
            # the call generate makes for the task, so the arena matches it back to it
            request = build_request(task, ApiStyle.CHAT, GenerationParams(), 0)
            for model in ("open-model", "closed-model"):
                store.put_generation(f"{model}-{p}", model,
                                     {"prompt_hash": request.prompt_hash},
                                     {"text": f"```python\ndef {task.entry_point}(*a):\n"
                                              f"    return {p}  # by {model}\n```"})
        arena = Arena(store, ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                                          fast_vote_seconds=0.0, gold_rate=0.0),
                      np.random.default_rng(0))
        assert arena.import_generations().added == 12  # a rater sees each answer once
        arena.briefing.publish(20.0, "USD", "the test team")
        account = arena.accounts.create("r", "rater-password-1", Role.RATER)
        arena.briefing.accept(account, 1)
        refreshed = arena.data.account(username="r")
        assert refreshed is not None
        rater = arena.accounts.session(arena.accounts.start_session(refreshed)[0])
        for i in range(6):
            battle = arena.battle(rater, arena.next_battle(rater))
            arena.vote(rater, battle.id, "model_a" if i % 2 else "model_b",
                       correction=f"    return x + {i}  # fixed\n" if i == 0 else "")
        counts = import_arena_feedback(store, "fb")
        assert counts["refused"][DropReason.TERMS_FORBID.value] >= 6  # every pair, the fix
        assert counts["kept"] == 0
        for member in DataRepository(store).members("fb"):
            assert "closed-model" not in str(member.record.content)
        facts = card_facts(store, "fb")
        assert facts["gate_refusals"][0]["terms_forbid"] == counts["refused"]["terms_forbid"]


def test_a_served_model_that_is_not_the_registered_one(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "s.db")) as store:
        _register(store, "cheap", Terms.ALLOW, "cheap-v1")
        _register(store, "premium", Terms.FORBID, "premium-v2")

        def answer(served: str, text: str) -> GeneratedAnswer:
            return GeneratedAnswer("Write f.", text, "cheap", served_model=served)

        # Masked: the intermediary served a model whose terms forbid training.
        masked = admit_generations(store, "d", [answer("premium-v2", "def f(): return 1")],
                                   source="trainer")
        assert masked.refused == {DropReason.TERMS_FORBID.value: 1}
        # Unregistered served model: the stricter of allow and unknown, said so.
        odd = admit_generations(store, "d", [answer("mystery-9", "def f(): return 2")],
                                source="trainer")
        assert odd.refused == {} and any("mystery-9" in w for w in odd.warnings)
        (member,) = DataRepository(store).members("d")
        (decision,) = member.record.provenance["gate"]["models"]
        assert decision["effective_terms"] == "unknown" and decision["served_mismatch"]
        # The admin maps the served name to the registered model: its terms apply.
        record_alias(store, "d", "premium-v2", "cheap")
        mapped = admit_generations(store, "d", [answer("premium-v2", "def f(): return 3")],
                                   source="trainer")
        assert mapped.refused == {} and mapped.kept == 2
        text = write_card(store, "d", tmp_path / "card").markdown.read_text()
        assert "| cheap | allow | allow, unknown | mystery-9, premium-v2 | 2 | - |" in text


ANSWERS = ("def f():\n    return 42\n",
           "import math\n\ndef f():\n    # the circle constant, rounded down\n"
           "    return math.floor(math.pi * 1000)\n")


class MaskingProvider:
    """An intermediary that answers for one model name but reports another served it
    (implements evaluate's CompletionBackend, as a real provider's backend does)."""

    def __init__(self, served: str) -> None:
        self.served = served

    async def complete(self, request: CompletionRequest) -> Completion:
        text = ANSWERS[request.sample_index % len(ANSWERS)]
        return Completion(text=text, served_model=self.served, finish_reason="stop")

    async def aclose(self) -> None:
        return None


def test_distill_catches_a_masked_teacher(tmp_path: Path) -> None:
    prompts = tmp_path / "p.jsonl"
    prompts.write_text(json.dumps({"prompt": "Write f returning a number."}) + "\n")
    with Store.open(str(tmp_path / "d.db")) as store:
        _register(store, "cheap", Terms.ALLOW, "cheap-v1")
        _register(store, "premium", Terms.FORBID, "premium-v2")
        plan = plan_distill(store.require_model("cheap"), read_prompts(prompts), 2, "d",
                            GenerationParams(), pairs=False)
        masked = distill(plan, store, MaskingProvider("premium-v2"))
        assert masked.refused == {DropReason.TERMS_FORBID.value: 2} and masked.kept == 0
        record_alias(store, "d", "premium-v2", "cheap")  # the admin knows better
        mapped = distill(plan, store, MaskingProvider("premium-v2"))
        assert mapped.refused == {} and mapped.kept == 2
        assert mapped.cache_hits == 2  # answered from the cache: served model kept there


def test_a_record_with_model_text_must_name_its_models(tmp_path: Path) -> None:
    pair = TrainingRecord(RecordKind.PREFERENCE, Origin.HUMAN,
                          {"prompt": [{"role": "user", "content": "q"}],
                           "chosen": [{"role": "assistant", "content": "a"}],
                           "rejected": [{"role": "assistant", "content": "b"}]})
    with Store.open(str(tmp_path / "n.db")) as store:
        with pytest.raises(RuntimeError, match="names no model output"):
            admit(store, "d", [Candidate("k", pair, ())], source="a new path")
        assert DataRepository(store).get_dataset("d") is None
