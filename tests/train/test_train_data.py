"""The training data gate: private, contaminated, unchecked and forbidden data never
reach a trainer unless the one override that may lift it is given, with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pg import fresh_database

from fairclimb.data import (
    Candidate,
    ModelOutput,
    Origin,
    RecordKind,
    TrainingRecord,
    admit,
    curate,
    known_tasks,
)
from fairclimb.errors import UserInputError
from fairclimb.store import DataRepository, Store
from fairclimb.suites import get_suite
from fairclimb.train._data import _report_gate, load_training_rows, records_hash

TEACHER = {"name": "teacher-a", "model_id": "coder-7b", "endpoint": "http://x/v1",
           "terms": "allow", "terms_url": None}


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        with fresh_database() as url, Store.open(url) as opened:
            yield opened
        return
    with Store.open(str(tmp_path / "fairclimb.db")) as opened:
        yield opened


def sft(answer: str, *, task_id: str = "family/1", split: str = "public",
        private: bool = False, parents: tuple[str, ...] = (), question: str = "Add two "
        "numbers.", teacher: dict[str, Any] | None = None) -> TrainingRecord:
    provenance = {"task": {"suite": "family", "task_id": task_id, "split": split},
                  "generation": {"model": (teacher or TEACHER)["name"],
                                 "terms": (teacher or TEACHER)["terms"]},
                  "human": None, "checks": {}, "parents": list(parents)}
    return TrainingRecord(RecordKind.SFT, Origin.SYNTHETIC,
                          {"messages": [{"role": "user", "content": question},
                                        {"role": "assistant", "content": answer}]},
                          provenance, "MIT", private)


def vote(chosen: str, rejected: str, rater: str) -> TrainingRecord:
    return TrainingRecord(
        RecordKind.PREFERENCE, Origin.HUMAN,
        {"prompt": [{"role": "user", "content": "Sort a list."}],
         "chosen": [{"role": "assistant", "content": chosen}],
         "rejected": [{"role": "assistant", "content": rejected}]},
        {"human": {"rater": rater}, "generation": None, "checks": {}, "parents": [],
         "models": {"chosen": "model-x", "rejected": "model-y"}})


def outputs(record: TrainingRecord) -> tuple[ModelOutput, ...]:
    """The model outputs in *record*, as the paths that make records name them."""
    if record.kind is RecordKind.PREFERENCE:
        models = record.provenance["models"]
        return (ModelOutput(models["chosen"], "chosen"),
                ModelOutput(models["rejected"], "rejected"))
    return (ModelOutput(record.provenance["generation"]["model"], "answer"),)


def make(store: Store, name: str, records: list[TrainingRecord], *,
         notes: dict[str, Any] | None = None, tasks_checked: int | None = None) -> None:
    # Records reach a dataset only through the record gate (admit), as users make them;
    # admit curates against every known task, so a stale report is made by curating
    # again against fewer tasks afterwards.
    candidates = [Candidate(f"{name}-{i}", r, outputs(r)) for i, r in enumerate(records)]
    admit(store, name, candidates, source="test",
          notes={"teachers": [TEACHER], **(notes or {})})
    if tasks_checked:
        curate(DataRepository(store), name, known_tasks(store=store)[:tasks_checked])


def load(store: Store, name: str, kind: RecordKind = RecordKind.SFT,
         override: str | None = None) -> Any:
    return load_training_rows(store, name, kind, override_contamination=override)


def test_clean_records_come_back_as_trl_rows_with_their_lineage(store: Store) -> None:
    records = [sft("def add(a, b):\n    return a + b\n"),
               sft("def add(a, b):\n    return b + a\n", task_id="family/2")]
    make(store, "clean", records)
    data = load(store, "clean")
    assert data.rows == [{"messages": r.content["messages"], "task_id": r.provenance["task"]
                          ["task_id"]} for r in records]
    assert data.record_ids == [r.record_id for r in records]
    assert data.records_sha256 == records_hash(list(reversed(data.record_ids)))
    assert [(t.name, t.model, t.terms) for t in data.teachers] == [("teacher-a", "coder-7b",
                                                                    "allow")]
    assert data.trained_on == {("family", "public")}
    assert data.left_out == {} and data.overrides == []


def test_preference_rows_name_their_raters_and_the_judged_models(store: Store) -> None:
    make(store, "votes", [vote("sorted(x)", "x", "rater-1"), vote("x.sort()", "x", "rater-2")])
    data = load(store, "votes", RecordKind.PREFERENCE)
    assert set(data.rows[0]) == {"prompt", "chosen", "rejected", "task_id"}
    assert data.raters == ["rater-1", "rater-2"]
    assert {(t.name, t.role) for t in data.teachers} >= {("model-x", "voted"),
                                                         ("model-y", "voted")}


def test_a_private_derived_record_is_never_trained_on(store: Store) -> None:
    private = sft("def add(a, b):\n    return a + b  # private\n", split="private",
                  private=True)
    derived = sft("def add(a, b):\n    return sum((a, b))\n", parents=(private.record_id,))
    other = sft("def plus(first, second):\n    total = first\n    total += second\n"
                "    return total\n", question="Sum them.")
    make(store, "mixed", [private, derived, other])
    data = load(store, "mixed", override="even with a reason")
    assert private.record_id not in data.record_ids
    assert derived.record_id not in data.record_ids
    assert data.left_out == {"private": 2}
    make(store, "only-private", [private])
    with pytest.raises(UserInputError, match=r"^dataset only-private has no sft records a "
                       r"trainer may use: 1 derived from private-split tasks") as refused:
        load(store, "only-private", override="even with a reason")
    assert "\n" not in str(refused.value)


def test_a_contaminated_record_is_refused_unless_overridden_with_a_reason(
        store: Store) -> None:
    task = get_suite("humaneval").tasks[0]
    leaked = sft(task.prompt + task.reference, task_id="family/3")
    make(store, "leaky", [leaked])
    with pytest.raises(UserInputError, match="1 flagged by the decontamination report; "
                       "contaminated records are used only with --override-contamination"):
        load(store, "leaky")
    data = load(store, "leaky", override="measuring contamination on purpose")
    assert data.record_ids == [leaked.record_id]
    assert data.overrides[0]["kind"] == "contamination"
    assert data.overrides[0]["reason"] == "measuring contamination on purpose"
    assert data.overrides[0]["records_flagged"] == 1
    with pytest.raises(UserInputError, match="needs --reason"):
        load(store, "leaky", override="  ")


def test_a_dataset_with_no_decontamination_report_is_refused(store: Store) -> None:
    # admit always curates, so no dataset made through the record gate lacks a report;
    # the check still guards datasets from before it: their notes, less the report.
    make(store, "unchecked", [sft("def add(a, b):\n    return a + b\n")])
    info = DataRepository(store).get_dataset("unchecked")
    assert info is not None
    old = replace(info, notes={k: v for k, v in info.notes.items()
                               if k != "decontamination"})
    with pytest.raises(UserInputError, match=r"^dataset unchecked has no decontamination "
                       r"report"):
        _report_gate("unchecked", old, len(known_tasks(store=store)), None)
    _report_gate("unchecked", old, len(known_tasks(store=store)), "checked by hand")
    assert load(store, "unchecked", override="checked by hand").record_ids


def test_a_stale_decontamination_report_is_refused(store: Store) -> None:
    make(store, "stale", [sft("def add(a, b):\n    return a + b\n")], tasks_checked=10)
    with pytest.raises(UserInputError, match="report of dataset stale is stale: it checked "
                       "10 tasks"):
        load(store, "stale")


def test_a_forbidding_teacher_is_refused_unless_the_dataset_carries_an_override(
        store: Store) -> None:
    forbid = {**TEACHER, "name": "closed", "terms": "forbid",
              "terms_url": "https://example.invalid/terms"}
    record = sft("def add(a, b):\n    return a + b\n", teacher=forbid)
    make(store, "closed", [record], notes={"teachers": [forbid]})
    with pytest.raises(UserInputError, match=r"teacher 'closed', whose terms \(https://"
                       r"example.invalid/terms\) forbid training") as refused:
        load(store, "closed", override="contamination is not terms")
    assert "\n" not in str(refused.value)
    make(store, "closed-ok", [record], notes={
        "teachers": [forbid], "overrides": [{"teacher": "closed", "reason": "we have a "
                                             "licence", "terms": "forbid"}]})
    data = load(store, "closed-ok")
    assert [(t.name, t.override_reason) for t in data.teachers] == [("closed",
                                                                    "we have a licence")]


@pytest.mark.parametrize(("name", "kind", "message"), [
    ("nope", RecordKind.SFT, "^unknown dataset 'nope'; datasets: clean"),
    ("clean", RecordKind.PREFERENCE, "^dataset clean has no preference records"),
    ("clean", RecordKind.ANNOTATION, "^records of kind annotation are not training rows"),
])
def test_bad_requests_are_one_sentence(store: Store, name: str, kind: RecordKind,
                                       message: str) -> None:
    make(store, "clean", [sft("def add(a, b):\n    return a + b\n")])
    with pytest.raises(UserInputError, match=message):
        load(store, name, kind)
