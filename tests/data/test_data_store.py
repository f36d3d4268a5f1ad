"""The data repository on SQLite and PostgreSQL: idempotent offers, curation, reports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import fresh_database

from fairclimb.data import Origin, RecordKind, TrainingRecord
from fairclimb.store import GATE_SCHEMA_VERSION, ContaminationRow, DataRepository, Offer, Store


@pytest.fixture(params=["sqlite", "postgres"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        with fresh_database() as url, Store.open(url) as opened:
            yield opened
        return
    with Store.open(str(tmp_path / "s.db")) as opened:
        yield opened


def record(text: str, gated: bool = True) -> TrainingRecord:
    # The repository alone is tested here: the gate's stamp is written by hand.
    gate = {"gate": {"schema_version": GATE_SCHEMA_VERSION}} if gated else {}
    return TrainingRecord(RecordKind.SFT, Origin.SYNTHETIC,
                          {"messages": [{"role": "user", "content": "q"},
                                        {"role": "assistant", "content": text}]},
                          {"generation": {"model": "m"}, **gate}, "MIT")


def test_a_record_that_did_not_pass_the_gate_is_refused(any_store: Store) -> None:
    repo = DataRepository(any_store)
    offers = [Offer("k1", record("a").stored(), "kept"),
              Offer("k2", record("b", gated=False).stored(), "kept")]
    with pytest.raises(ValueError, match="did not pass the record gate"):
        repo.add_offers("d", offers)
    assert repo.get_dataset("d") is None  # all or none


def test_offers_are_added_once_and_records_shared(any_store: Store) -> None:
    repo = DataRepository(any_store)
    one, two = record("a"), record("b")
    assert one.record_id == record("a").record_id != two.record_id
    offers = [Offer("k1", one.stored(), "kept"), Offer("k2", two.stored(), "kept"),
              Offer("k3", one.stored(), "kept")]
    assert repo.add_offers("d", offers, {"teachers": [{"name": "t"}]}) == 3
    assert repo.add_offers("d", offers, {"teachers": [{"name": "t"}, {"name": "u"}]}) == 0
    assert repo.add_offers("other", offers[:1]) == 1  # one record, two datasets
    members = repo.members("d")
    assert [m.source_key for m in members] == ["k1", "k2", "k3"]
    assert members[0].record.provenance["origin"] == "synthetic"
    info = repo.get_dataset("d")
    assert info is not None and info.notes["teachers"] == [{"name": "t"}, {"name": "u"}]
    repo.save_curation("d", {"k3": ("duplicate", "exact")},
                       [ContaminationRow(one.record_id, "T/1", "ngram", 0.9, 0.5)], {})
    assert repo.get_dataset("d").counts == {"kept": 2, "duplicate": 1}  # type: ignore[union-attr]
    assert repo.contamination("d")[0].task_id == "T/1"
    assert [d.name for d in repo.list_datasets()] == ["d", "other"]
