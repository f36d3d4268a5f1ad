"""data merge, data split, and curation thresholds that are chosen, recorded and kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairclimb.cli import app
from fairclimb.data import (
    Candidate,
    DedupParams,
    ModelOutput,
    Origin,
    RecordKind,
    TrainingRecord,
    admit,
    curation_params,
    export_dataset,
    merge_datasets,
    split_dataset,
)
from fairclimb.data._card import card_facts
from fairclimb.errors import UserInputError
from fairclimb.models import ModelSpec, Terms
from fairclimb.store import DataRepository, Store

WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliet", "kilo", "lima", "mike", "november", "oscar", "papa")


def _sft(prompt: int, answer: int, private: bool = False) -> Candidate:
    # every prompt and answer distinct enough that no two records are near-duplicates
    words = " ".join(WORDS[(prompt * 3 + i) % len(WORDS)] for i in range(6))
    messages = [{"role": "user", "content": f"Task {prompt}: write {words}_{prompt}()."},
                {"role": "assistant",
                 "content": f"def {WORDS[answer % len(WORDS)]}_{prompt}_{answer}():\n"
                            f"    return {prompt * 1000 + answer * 7}  # {words} {answer}\n"}]
    record = TrainingRecord(RecordKind.SFT, Origin.SYNTHETIC, {"messages": messages}, {},
                            "MIT", private=private)
    return Candidate(f"p{prompt}-a{answer}", record, (ModelOutput("teacher", "answer"),))


def _kept(store: Store, name: str) -> list[str]:
    return sorted(m.record.record_id for m in DataRepository(store).members(name)
                  if m.status == "kept")


@pytest.fixture
def two(store: Store) -> Store:
    store.add_model(ModelSpec(name="teacher", base_url="http://127.0.0.1:9/v1",
                              model_id="teacher", terms=Terms.FORBID))
    overrides = {"teacher": "written permission, ticket 7"}
    admit(store, "a", [_sft(0, 0), _sft(1, 0)], source="test", overrides=overrides)
    admit(store, "b", [_sft(1, 0), _sft(2, 0)], source="test", overrides=overrides)
    return store


def test_merge_keeps_a_shared_record_once_and_carries_the_overrides(two: Store) -> None:
    outcome = merge_datasets(two, ["a", "b"], "ab")
    assert (outcome.offered, outcome.added, outcome.kept) == (4, 4, 3)
    assert set(_kept(two, "ab")) == set(_kept(two, "a")) | set(_kept(two, "b"))
    facts = card_facts(two, "ab")
    assert [o["reason"] for o in facts["overrides"]] == ["written permission, ticket 7"]
    assert merge_datasets(two, ["a", "b"], "ab").added == 0  # a rerun adds nothing


@pytest.mark.parametrize(("sources", "into", "message"), [
    (["a"], "x", "at least two different datasets"),
    (["a", "a"], "x", "at least two different datasets"),
    (["a", "b"], "a", "new dataset"),
    (["a", "nope"], "x", "unknown dataset 'nope'"),
])
def test_bad_merges_are_one_sentence(two: Store, sources: list[str], into: str,
                                     message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        merge_datasets(two, sources, into)
    assert DataRepository(two).get_dataset("x") is None


def test_merge_refuses_to_add_into_a_dataset_it_did_not_make(two: Store) -> None:
    admit(two, "mine", [_sft(5, 0)], source="test")
    with pytest.raises(UserInputError, match="not made by this merge"):
        merge_datasets(two, ["a", "b"], "mine")


def test_split_is_seeded_disjoint_by_prompt_and_complete(store: Store) -> None:
    admit(store, "d", [_sft(p, a) for p in range(10) for a in range(2)], source="test")
    kept = _kept(store, "d")
    assert len(kept) == 20
    train, validation = split_dataset(store, "d", 0.2, seed=3)
    assert (train.dataset, validation.dataset) == ("d-train", "d-validation")
    assert validation.kept >= 4 and train.kept + validation.kept == 20
    prompts = {name: {m.record.content["messages"][0]["content"]
                      for m in DataRepository(store).members(name)}
               for name in ("d-train", "d-validation")}
    assert not prompts["d-train"] & prompts["d-validation"]
    assert sorted(_kept(store, "d-train") + _kept(store, "d-validation")) == kept
    again = split_dataset(store, "d", 0.2, seed=3)  # reproducible, and a rerun adds nothing
    assert again[1].kept == validation.kept and again[1].added == 0
    with pytest.raises(UserInputError, match="not made by this split"):
        split_dataset(store, "d", 0.2, seed=4)


@pytest.mark.parametrize("share", [0.0, 1.0, 1.5, -0.1])
def test_a_bad_validation_share_is_one_sentence(store: Store, share: float) -> None:
    admit(store, "d", [_sft(p, 0) for p in range(3)], source="test")
    with pytest.raises(UserInputError, match="--validation"):
        split_dataset(store, "d", share, seed=0)


def test_thresholds_are_recorded_kept_for_later_imports_and_exported(
        store: Store, tmp_path: Path) -> None:
    admit(store, "d", [_sft(0, 0)], source="test", dedup=DedupParams(threshold=0.95))
    admit(store, "d", [_sft(1, 0)], source="test")  # no threshold asked: the recorded one
    notes = DataRepository(store).get_dataset("d").notes  # type: ignore[union-attr]
    assert notes["dedup"]["threshold"] == 0.95
    out = tmp_path / "d.jsonl"
    export_dataset(store, "d", "jsonl", out)
    provenance = json.loads(json.loads(out.read_text().splitlines()[0])["provenance"])
    assert provenance["checks"]["settings"]["dedup"]["threshold"] == 0.95


@pytest.mark.parametrize("option", ["dedup_threshold", "ngram_threshold",
                                    "minhash_threshold"])
def test_a_threshold_outside_0_1_is_refused(option: str) -> None:
    with pytest.raises(UserInputError, match="in \\(0, 1\\]"):
        curation_params(**{option: 1.5})


def test_import_feedback_takes_the_thresholds_from_the_command_line(tmp_path: Path) -> None:
    vote = {"prompt": "Write inc(x).", "answer_a": "def inc(x):\n    return x + 1\n",
            "answer_b": "def inc(x):\n    return x\n", "model_a": "m-a", "model_b": "m-b",
            "winner": "model_a", "rater": "r1"}
    votes = tmp_path / "v.jsonl"
    votes.write_text(json.dumps(vote) + "\n")
    db = str(tmp_path / "f.db")
    result = CliRunner().invoke(app, ["data", "import-feedback", str(votes), "--dataset", "p",
                                      "--dedup-threshold", "0.9", "--ngram-threshold", "0.6",
                                      "--db", db])
    assert result.exit_code == 0, result.output
    with Store.open(db) as store:
        notes = DataRepository(store).get_dataset("p").notes  # type: ignore[union-attr]
    assert notes["dedup"]["threshold"] == 0.9
    assert notes["decontamination"]["ngram_threshold"] == 0.6
    bad = CliRunner().invoke(app, ["data", "import-feedback", str(votes), "--dataset", "p",
                                   "--minhash-threshold", "2", "--db", db])
    assert bad.exit_code != 0 and "--minhash-threshold" in bad.output


def test_merge_and_split_keep_the_gates_decisions(store: Store, tmp_path: Path) -> None:
    """The new path re-offers stored records: a contaminated one stays out of the merged
    set and of every split, and a private one is never exported from them."""
    from fairclimb.suites import get_suite

    task = get_suite("humaneval").tasks[3]
    leak = TrainingRecord(RecordKind.SFT, Origin.SYNTHETIC, {"messages": [
        {"role": "user", "content": task.prompt},
        {"role": "assistant", "content": task.prompt + task.reference}]}, {}, "MIT")
    admit(store, "a", [_sft(0, 0), _sft(1, 0, private=True),
                       Candidate("leak", leak, (ModelOutput("teacher", "answer"),))],
          source="test")
    admit(store, "b", [_sft(2, 0), _sft(3, 0)], source="test")
    merged = merge_datasets(store, ["a", "b"], "ab")
    statuses = {m.source_key: m.status for m in DataRepository(store).members("ab")}
    assert statuses["a/leak"] == "contaminated" and merged.kept == 4
    out = tmp_path / "ab.jsonl"
    assert export_dataset(store, "ab", "jsonl", out).private_left_out == 1
    assert task.prompt[:40] not in out.read_text()
    train, validation = split_dataset(store, "ab", 0.3, seed=0)
    assert train.kept + validation.kept == 4  # the leak never reaches either side
