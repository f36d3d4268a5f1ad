"""A dataset card's folder loads with mlcroissant: the Croissant file describes the
records file (checksum, fields) and the records read back through it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import mlcroissant as mlc
import pytest

from fairclimb.data import (
    Candidate,
    ModelOutput,
    Origin,
    RecordKind,
    TrainingRecord,
    admit,
    write_card,
)
from fairclimb.errors import UserInputError
from fairclimb.store import Store

CHAT = [{"role": "user", "content": "Write add(a, b)."},
        {"role": "assistant", "content": "def add(a, b):\n    return a + b\n"}]


def _sft(key: str, messages: list[dict[str, str]], private: bool = False) -> Candidate:
    return Candidate(key, TrainingRecord(RecordKind.SFT, Origin.SYNTHETIC,
                                         {"messages": messages}, {}, "MIT", private=private),
                     (ModelOutput("teacher", "answer"),))


@pytest.fixture
def dataset(store: Store) -> str:
    secret = [{"role": "user", "content": "private task"},
              {"role": "assistant", "content": "y = 2"}]
    pair = TrainingRecord(RecordKind.PREFERENCE, Origin.SYNTHETIC, {
        "prompt": [{"role": "user", "content": "Write neg(x)."}],
        "chosen": [{"role": "assistant", "content": "def neg(x):\n    return -x\n"}],
        "rejected": [{"role": "assistant", "content": "def neg(x):\n    return x\n"}]},
        {}, "Apache-2.0")
    admit(store, "mixed", [
        _sft("a", CHAT), _sft("s", secret, private=True),
        Candidate("p", pair, (ModelOutput("teacher", "chosen"),
                              ModelOutput("teacher", "rejected")))], source="test")
    return "mixed"


def test_the_card_loads_with_mlcroissant_and_reads_every_public_row(
        store: Store, dataset: str, tmp_path: Path) -> None:
    card = write_card(store, dataset, tmp_path / "card", description="Two tiny rows.",
                      version="1.2.0")
    document = json.loads(card.croissant.read_text())
    assert document["version"] == "1.2.0" and document["description"] == "Two tiny rows."
    assert document["citeAs"].startswith("@misc{mixed") and document["datePublished"]
    (file_object,) = document["distribution"]
    assert file_object["sha256"] == hashlib.sha256(card.records.read_bytes()).hexdigest()
    assert "{'" not in card.croissant.read_text(), "a Python repr in the Croissant file"

    loaded = mlc.Dataset(jsonld=str(card.croissant))
    rows = list(loaded.records(record_set="records"))
    assert len(rows) == card.rows == 2  # the private row is never in a card
    by_kind = {_text(r["records/kind"]): r for r in rows}
    assert json.loads(_text(by_kind["sft"]["records/messages"])) == CHAT
    preference = by_kind["preference"]
    assert json.loads(_text(preference["records/chosen"]))[0]["content"].startswith("def neg")
    provenance = json.loads(_text(preference["records/provenance"]))
    assert provenance["checks"]["decontamination"] == "clean"
    assert "private task" not in card.records.read_text()
    markdown = card.markdown.read_text()
    assert "Two tiny rows." in markdown and file_object["sha256"] in markdown


def test_a_changed_records_file_fails_its_checksum(store: Store, dataset: str,
                                                   tmp_path: Path) -> None:
    card = write_card(store, dataset, tmp_path / "card")
    card.records.write_text(card.records.read_text().replace("neg", "pos"))
    loaded = mlc.Dataset(jsonld=str(card.croissant))
    with pytest.raises(Exception) as caught:  # mlcroissant wraps the checksum error
        list(loaded.records(record_set="records"))
    chain = [caught.value]
    while chain[-1].__cause__ is not None or chain[-1].__context__ is not None:
        chain.append(chain[-1].__cause__ or chain[-1].__context__)  # type: ignore[arg-type]
    assert any("hash" in str(error).lower() for error in chain), chain


def test_a_bad_version_is_one_sentence_and_writes_nothing(store: Store, dataset: str,
                                                          tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match=r"MAJOR\.MINOR\.PATCH"):
        write_card(store, dataset, tmp_path / "card", version="v1")
    assert not (tmp_path / "card").exists()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
