"""Votes become records; exports load with Hugging Face datasets; the card and the
contamination audit say what happened."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import datasets
import pytest

from fairclimb.audit import audit_contamination
from fairclimb.data import (
    Candidate,
    Excluded,
    Exclusion,
    FeedbackOptions,
    ModelOutput,
    Origin,
    RecordKind,
    TrainingRecord,
    Vote,
    Winner,
    admit,
    dataset_stats,
    export_dataset,
    import_feedback,
    known_tasks,
    read_votes,
    records_from_votes,
    write_card,
)
from fairclimb.errors import UserInputError
from fairclimb.store import DataRepository, Store, StoredSuite, SuiteRepository
from fairclimb.suites import (
    Split,
    Task,
    debug_task,
    get_suite,
    python_mutants,
    task_to_fields,
)


def vote(index: int, winner: str = "a", **extra: object) -> Vote:
    fields: dict[str, object] = {
        "prompt": f"Write fizz_{index}(n) returning 'fizz' for multiples of {index + 2}.",
        "answer_a": f"def fizz_{index}(n):\n    return 'fizz' if n % {index + 2} == 0 else n\n",
        "answer_b": f"def fizz_{index}(n):\n    return 'buzz'  # wrong {index}\n",
        "model_a": "m-a", "model_b": "m-b", "winner": winner, "rater": f"otter-{index % 2}",
        "briefing_version": "v3", "seconds": 30.0, "pay_usd": 0.25, **extra}
    return Vote(**fields)  # type: ignore[arg-type]


def test_votes_become_preferences_corrections_and_annotations() -> None:
    votes = [vote(0), vote(1, "b"), vote(2, "tie"), vote(3, "both_bad"),
             vote(4, exclusions=(Excluded(Exclusion.MARKED, "failed gold battles"),)),
             vote(5, correction="def fizz_5(n):\n    return 'fizz' if n % 7 == 0 else n\n",
                  labels_b=("wrong output",))]
    outcome = records_from_votes(votes)
    kinds = [(o.record.kind, o.record.origin) for o in outcome.candidates]
    assert kinds.count(("preference", "human")) == 3  # votes 0, 1, 5
    assert ("sft", "hybrid") in kinds and ("annotation", "human") in kinds
    assert outcome.flagged == 1 and outcome.ties_left_out == 2
    first = next(o.record for o in outcome.candidates if o.record.kind == "preference")
    assert first.content["chosen"][0]["content"] == votes[0].answer_a
    assert first.provenance["human"]["rater"] == "otter-0"
    assert first.provenance["human"]["briefing_version"] == "v3"
    correction = next(o.record for o in outcome.candidates if o.record.origin == "hybrid")
    annotation = next(o.record for o in outcome.candidates if o.record.kind == "annotation")
    assert correction.provenance["parents"] == [annotation.record_id]
    kept = records_from_votes(votes, FeedbackOptions(keep_ties=True, keep_both_bad=True))
    assert kept.ties_left_out == 0
    assert sum(o.record.kind == "annotation" for o in kept.candidates) == 5


def write_votes(path: Path, votes: list[Vote]) -> Path:
    path.write_text("".join(json.dumps(asdict(v)) + "\n" for v in votes))
    return path


@pytest.fixture
def feedback_dataset(store: Store, tmp_path: Path) -> str:
    humaneval = get_suite("humaneval").tasks[3]
    leaked = vote(9, correction=humaneval.prompt + humaneval.reference)
    votes = [vote(i) for i in range(6)] + [vote(0), leaked]  # vote 0 twice: one record
    counts = import_feedback(store, read_votes(write_votes(tmp_path / "v.jsonl", votes)),
                             "fb", "v.jsonl")
    assert counts["votes"] == 8 and counts["added"] == 8
    return "fb"


def test_stats_shape_and_contamination(store: Store, feedback_dataset: str) -> None:
    stats = dataset_stats(store, feedback_dataset)
    assert set(stats) >= {"generated", "failed_execution", "duplicates", "contaminated",
                          "kept", "kept_by_origin"}
    assert stats["kept_by_origin"] == {"human": 7, "synthetic": 0, "hybrid": 0}
    assert stats["contaminated"] == 1 and stats["generated"] == 8
    audit = audit_contamination(store, feedback_dataset)
    assert audit.matches and {r.task_id for r in audit.recomputed} == {"HumanEval/3"}


def test_audit_notices_a_report_that_was_changed(store: Store, feedback_dataset: str) -> None:
    repo = DataRepository(store)
    repo.save_curation(feedback_dataset, {}, [], {})  # someone emptied the report
    audit = audit_contamination(store, feedback_dataset)
    assert not audit.matches and audit.missing and not audit.extra


@pytest.mark.parametrize(("fmt", "loader", "columns"), [
    ("trl-dpo", "json", {"prompt", "chosen", "rejected", "provenance"}),
    ("jsonl", "json", {"record_id", "kind", "origin", "messages", "prompt", "provenance"}),
    ("parquet", "parquet", {"record_id", "kind", "origin", "messages", "chosen",
                            "provenance"}),
])
def test_exports_load_with_datasets(store: Store, feedback_dataset: str, tmp_path: Path,
                                    fmt: str, loader: str, columns: set[str]) -> None:
    out = tmp_path / f"export.{loader}"
    outcome = export_dataset(store, feedback_dataset, fmt, out)
    assert outcome.rows == 7
    loaded = datasets.load_dataset(loader, data_files=str(out), split="train")
    assert columns <= set(loaded.column_names) and len(loaded) == 7
    provenance = json.loads(loaded[0]["provenance"])
    assert provenance["origin"] == "human" and provenance["human"]["rater"] == "otter-0"
    assert provenance["checks"]["decontamination"] == "clean"
    assert not list(tmp_path.glob(".*.tmp"))


def test_sft_export_and_private_rows(store: Store, tmp_path: Path) -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x = 1"}]
    secret = [{"role": "user", "content": "secret"}, {"role": "assistant", "content": "y"}]
    admit(store, "s", [
        Candidate("k1", TrainingRecord(RecordKind.SFT, Origin.SYNTHETIC, {"messages": messages},
                                       {}, "MIT"), (ModelOutput("m", "answer"),)),
        Candidate("k2", TrainingRecord(RecordKind.SFT, Origin.SYNTHETIC, {"messages": secret},
                                       {}, "MIT", private=True),
                  (ModelOutput("m", "answer"),))], source="test")
    out = tmp_path / "sft.jsonl"
    outcome = export_dataset(store, "s", "trl-sft", out)
    assert (outcome.rows, outcome.private_left_out) == (1, 1)
    loaded = datasets.load_dataset("json", data_files=str(out), split="train")
    assert loaded[0]["messages"] == messages
    assert export_dataset(store, "s", "trl-sft", out, include_private=True).rows == 2


def test_card_says_where_rows_came_from(store: Store, feedback_dataset: str,
                                        tmp_path: Path) -> None:
    card = write_card(store, feedback_dataset, tmp_path / "card")
    text = card.markdown.read_text()
    assert "raters (pseudonymous): 2" in text and "contaminated" in text
    croissant = json.loads(card.croissant.read_text())
    assert croissant["@context"]["rai"] == "http://mlcommons.org/croissant/RAI/"
    assert "2 pseudonymous raters" in croissant["rai:annotatorDemographics"]


@pytest.mark.parametrize(("call", "message"), [
    (lambda s, p: export_dataset(s, "nope", "jsonl", p / "o.jsonl"), "unknown dataset 'nope'"),
    (lambda s, p: export_dataset(s, "fb", "csv", p / "o.csv"), "unsupported export format"),
])
def test_bad_input_is_one_sentence_and_writes_nothing(store: Store, feedback_dataset: str,
                                                      tmp_path: Path, call: object,
                                                      message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        call(store, tmp_path)  # type: ignore[operator]
    assert not list(tmp_path.glob("o.*"))


def test_verified_only_leaves_out_what_no_test_checked(store: Store, feedback_dataset: str,
                                                      tmp_path: Path) -> None:
    """Votes are judged by people, not tests: --verified-only has nothing to export, and
    says what the dataset holds instead of writing an empty file."""
    assert export_dataset(store, feedback_dataset, "jsonl", tmp_path / "all.jsonl").rows > 0
    with pytest.raises(UserInputError, match=r"dataset 'fb' has no kept record to export as "
                       r"jsonl: it holds \d+ preference.*0 of them checked by tests.*"
                       r"--verified-only"):
        export_dataset(store, feedback_dataset, "jsonl", tmp_path / "o.jsonl",
                       verified_only=True)
    assert not (tmp_path / "o.jsonl").exists()


def test_bad_votes_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text(json.dumps(asdict(vote(0))) + "\n" + '{"prompt": "x"}\n')
    with pytest.raises(UserInputError, match=r"v.jsonl:2: missing or not a string"):
        read_votes(path)


@pytest.mark.parametrize(("fastchat", "ours"), [
    ("model_a", "a"), ("model_b", "b"), ("tie", "tie"), ("tie (bothbad)", "both_bad")])
def test_votes_accept_fastchat_winner_values(tmp_path: Path, fastchat: str, ours: str) -> None:
    """The arena export and ratings speak FastChat's winners; import-feedback refused them."""
    path = tmp_path / "v.jsonl"
    path.write_text(json.dumps({**asdict(vote(0)), "winner": fastchat}) + "\n")
    [read] = read_votes(path)
    assert read.winner is Winner(fastchat) and read.winner.short == ours


def test_list_and_show(store: Store, feedback_dataset: str) -> None:
    from fairclimb.data import list_datasets, show_dataset

    assert [(d["name"], d["offers"], d["kept"]) for d in list_datasets(store)] == [
        ("fb", 8, 7)]
    shown = show_dataset(store, feedback_dataset, limit=3)
    assert len(shown["records"]) == 3 and shown["stats"]["kept"] == 7
    assert shown["notes"]["feedback_imports"][0]["votes"] == 8
    contaminated = [r for r in show_dataset(store, feedback_dataset)["records"]
                    if r["status"] == "contaminated"]
    assert len(contaminated) == 1 and "HumanEval/3" in contaminated[0]["reason"]


def test_tasks_of_suites_built_into_the_store_are_decontaminated(
        store: Store, tmp_path: Path) -> None:
    # A private debug suite that lives only in this store: its text must still be found.
    source = Task("vault/1", "vault",
                  "def open_vault(code):\n    \"\"\"Return True when the code opens the vault "
                  "of the northern tower, whose combination is 4242.\"\"\"\n",
                  "open_vault", "    if code < 0:\n        return False\n"
                  "    return code == 4242\n",
                  "def check(c):\n    assert c(4242)\n    assert not c(-1)\n",
                  split=Split.PRIVATE, origin="fairclimb")
    debug = debug_task(source, python_mutants(source.reference_program, "open_vault")[0],
                       1, 0, "vault-debug")
    SuiteRepository(store).put(StoredSuite("vault-debug", "private debug tasks", debug.origin,
                                           {}, [task_to_fields(debug)]))
    assert debug.task_id in {t.task_id for t in known_tasks(store=store)}
    leaked = vote(9, correction=debug.prompt)
    import_feedback(store, read_votes(write_votes(tmp_path / "v.jsonl", [vote(1), leaked])),
                    "leak", "v.jsonl")
    assert dataset_stats(store, "leak")["contaminated"] == 1
    audit = audit_contamination(store, "leak")
    assert audit.matches and {r.task_id for r in audit.recomputed} == {debug.task_id}


def test_typed_votes_keep_the_content_keys_of_the_untyped_ones() -> None:
    """A votes file imported before the typed vote adds nothing when imported again: the
    key is still computed from winner "a" and an empty ``flagged``."""
    from fairclimb.data._records import content_hash

    typed = vote(7, "model_a")
    old_fields = {name: getattr(typed, name) for name in Vote.__dataclass_fields__
                  if name != "exclusions"} | {"winner": "a", "flagged": ""}
    key = content_hash(old_fields)
    (preference,) = records_from_votes([typed]).candidates
    assert preference.source_key == content_hash(f"{key}:preference")
