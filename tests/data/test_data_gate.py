"""The record gate: every record, whatever made it, is checked by one function.

Defects of issue 10 first, each as it was found: preference records were never
decontaminated (their text was ``str()`` of message lists), outputs of a model whose
terms forbid training entered through votes and corrections, and ``chosen == rejected``
pairs were exported.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from fairclimb.data import (
    DropReason,
    Vote,
    dataset_stats,
    export_dataset,
    import_feedback,
    read_votes,
    write_card,
)
from fairclimb.data._card import card_facts
from fairclimb.models import ModelSpec, Terms
from fairclimb.store import DataRepository, Store
from fairclimb.suites import get_suite

HUMANEVAL_0 = get_suite("humaneval").tasks[0]
LEAKED = HUMANEVAL_0.prompt + HUMANEVAL_0.reference


def _vote(index: int = 0, **extra: object) -> Vote:
    fields: dict[str, object] = {
        "prompt": f"Write fizz_{index}(n) returning 'fizz' for multiples of {index + 2}.",
        "answer_a": f"def fizz_{index}(n):\n    return 'fizz' if n % {index + 2} == 0 else n\n",
        "answer_b": f"def fizz_{index}(n):\n    return 'buzz'  # wrong {index}\n",
        "model_a": "m-a", "model_b": "m-b", "winner": "a", "rater": "otter",
        "vote_id": f"v{index}", **extra}
    return Vote(**fields)  # type: ignore[arg-type]


def _register(store: Store, name: str, terms: Terms, model_id: str | None = None) -> None:
    store.add_model(ModelSpec(name=name, base_url="http://127.0.0.1:9/v1",
                              model_id=model_id or name, terms=terms))


def _methods(store: Store, dataset: str, kind: str) -> set[str]:
    members = [m for m in DataRepository(store).members(dataset) if m.record.kind == kind]
    assert members, f"no {kind} record was made"
    ids = {m.record.record_id for m in members}
    return {r.method for r in DataRepository(store).contamination(dataset) if r.record_id in ids}


# -- defect 1: preference records were never decontaminated ------------------------------

@pytest.mark.parametrize(("kind", "vote"), [
    ("sft", _vote(correction=LEAKED)),  # a person's correction: an SFT record
    ("preference", _vote(answer_a=LEAKED)),  # the chosen answer of a DPO pair
    ("preference", _vote(answer_b=LEAKED)),  # the rejected one
])
def test_benchmark_text_is_found_in_every_kind_of_record(store: Store, kind: str,
                                                          vote: Vote) -> None:
    import_feedback(store, [vote], "d", "votes")
    # MinHash compares whole texts: a pair's other answer dilutes it, so not required.
    assert _methods(store, "d", kind) >= {"substring", "ngram"}


def test_contaminated_preference_pairs_are_not_exported(store: Store, tmp_path: Path) -> None:
    import_feedback(store, [_vote(answer_a=LEAKED), _vote(1)], "d", "votes")
    out = tmp_path / "dpo.jsonl"
    assert export_dataset(store, "d", "trl-dpo", out).rows == 1
    assert HUMANEVAL_0.reference.strip() not in out.read_text()


# -- defect 2: the terms gate covered only distill ---------------------------------------

def test_votes_file_with_a_forbid_model_is_refused(store: Store, tmp_path: Path) -> None:
    _register(store, "m-a", Terms.FORBID)
    _register(store, "m-b", Terms.ALLOW)
    path = tmp_path / "votes.jsonl"
    votes = [_vote(0), _vote(1, winner="b"), _vote(2, model_a="m-b", model_b="m-c")]
    path.write_text("".join(json.dumps(asdict(v)) + "\n" for v in votes))
    counts = import_feedback(store, read_votes(path), "d", str(path))
    assert counts["refused"] == {DropReason.TERMS_FORBID.value: 2}
    for member in DataRepository(store).members("d"):
        text = json.dumps(member.record.content)
        assert "fizz_0" not in text and "fizz_1" not in text  # m-a's answers, either side
    assert counts["kept"] == 1


def test_a_correction_of_a_forbid_model_answer_is_refused(store: Store) -> None:
    _register(store, "m-a", Terms.FORBID)
    _register(store, "m-b", Terms.ALLOW)
    fixed = "def fizz_0(n):\n    return 'fizz' if n % 2 == 0 else str(n)\n"
    counts = import_feedback(store, [_vote(0, model_a="m-b", model_b="m-a", winner="a",
                                           correction=fixed, corrected_side="b")],
                             "d", "votes")
    kinds = {m.record.kind for m in DataRepository(store).members("d")}
    assert "sft" not in kinds  # the correction's parent was written by m-a
    assert counts["refused"] == {DropReason.TERMS_FORBID.value: 2}


def test_a_recorded_override_with_a_reason_lets_a_forbid_model_through(store: Store) -> None:
    _register(store, "m-a", Terms.FORBID)
    counts = import_feedback(store, [_vote(0)], "d", "votes",
                             overrides={"m-a": "we hold a written licence, ref 42"})
    assert counts["refused"] == {} and counts["kept"] == 1
    (member,) = DataRepository(store).members("d")
    gate = member.record.provenance["gate"]
    assert gate["schema_version"] >= 1
    by_model = {m["model"]: m for m in gate["models"]}
    assert by_model["m-a"]["terms"] == "forbid"
    assert by_model["m-a"]["override"] == "we hold a written licence, ref 42"
    assert by_model["m-b"]["terms"] == "unknown" and by_model["m-b"]["warning"]



def test_the_card_names_every_model_in_the_data_with_its_terms(store: Store,
                                                               tmp_path: Path) -> None:
    _register(store, "m-a", Terms.FORBID)
    import_feedback(store, [_vote(0), _vote(1, model_a="m-c", model_b="m-d")], "d", "votes",
                    overrides={"m-a": "we hold a written licence, ref 42"})
    rows = {r["model"]: r for r in card_facts(store, "d")["models"]["rows"]}
    assert set(rows) == {"m-a", "m-b", "m-c", "m-d"}
    assert rows["m-a"]["terms"] == "forbid"
    assert rows["m-a"]["overrides"] == ["we hold a written licence, ref 42"]
    assert rows["m-c"]["terms"] == "unknown"
    text = write_card(store, "d", tmp_path / "card").markdown.read_text()
    assert "| m-a | forbid | forbid | - | 1 | we hold a written licence, ref 42 |" in text
    assert "**m-a** (terms: forbid)" in text


# -- defect 3: chosen == rejected pairs were exported ------------------------------------

def test_identical_pairs_are_dropped_and_counted(store: Store, tmp_path: Path) -> None:
    same = "def f(x):\n    return x\n"
    counts = import_feedback(store, [_vote(0, answer_a=same, answer_b=same), _vote(1)],
                             "d", "votes")
    assert counts["refused"] == {DropReason.IDENTICAL_PAIR.value: 1}
    out = tmp_path / "dpo.jsonl"
    assert export_dataset(store, "d", "trl-dpo", out).rows == 1
    row = json.loads(out.read_text())
    assert row["chosen"] != row["rejected"]
    assert dataset_stats(store, "d")["kept"] == 1
