"""Reading runs back: id prefixes, results with programs (private ones withheld), and the
paired comparison of two runs through the climb report's engine."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from fairclimb.errors import UserInputError
from fairclimb.evaluate import (
    Flip,
    ResultFilter,
    Status,
    compare_paired,
    compare_runs,
    resolve_run,
    run_model,
    run_results,
)
from fairclimb.store import NewRun, ResultRow, RunRecord, Store
from fairclimb.suites import Split, get_suite

SUITE = get_suite("fairclimb-implement")
PUBLIC = [t for t in SUITE.tasks if t.split is Split.PUBLIC][:3]
PRIVATE = next(t for t in SUITE.tasks if t.split is Split.PRIVATE)
SECRET = "expected 12345 for the hidden argument 'zebra'"


def _sha(program: str) -> str:
    return hashlib.sha256(program.encode()).hexdigest()


def _run(store: Store, path: Path, passed: dict[str, bool], model: str = "") -> RunRecord:
    """A run of one completion per task in *passed*, stored as the engine stores it."""
    tasks = {t.task_id: t for t in [*PUBLIC, PRIVATE]}
    lines = [{"task_id": task, "completion": f"    return {ok!r}  # {task}\n"}
             for task, ok in passed.items()]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    settings = {"generation": {"model": model}} if model else {}
    run_id = store.create_run(NewRun(SUITE.name, str(path), "x", str(path.parent), settings,
                                     "rlimits", None, "0", len(lines)))
    store.add_results(run_id, [
        ResultRow(i, line["task_id"], "passed" if passed[line["task_id"]] else "failed",
                  passed[line["task_id"]], "" if passed[line["task_id"]] else SECRET,
                  _sha(tasks[line["task_id"]].prompt + line["completion"]), 0.1, 0.2)
        for i, line in enumerate(lines)])
    run = store.get_run(run_id)
    assert run is not None
    return run


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(str(tmp_path / "s.db"))


def test_a_unique_prefix_finds_a_run_and_others_are_one_sentence(store: Store,
                                                                 tmp_path: Path) -> None:
    runs = [_run(store, tmp_path / f"s{i}.jsonl", {PUBLIC[0].task_id: True}) for i in range(3)]
    for run in runs:
        assert resolve_run(store, run.run_id) == run
        prefix = next(run.run_id[:n] for n in range(1, 33)
                      if sum(r.run_id.startswith(run.run_id[:n]) for r in runs) == 1)
        assert resolve_run(store, prefix).run_id == run.run_id
    for ref, message in (("zz", "no run has an id starting with 'zz'"),
                         ("%", "no run has an id starting with '%'"),
                         ("_", "no run has an id starting with '_'"),
                         (" ", "a run id is empty")):
        with pytest.raises(UserInputError, match=message):
            resolve_run(store, ref)


def test_an_ambiguous_prefix_names_two_matches(store: Store, tmp_path: Path) -> None:
    runs = [_run(store, tmp_path / f"s{i}.jsonl", {PUBLIC[0].task_id: True}) for i in range(40)]
    first = sorted(r.run_id for r in runs)
    shared = next(a[:1] for a, b in itertools.pairwise(first) if a[0] == b[0])
    with pytest.raises(UserInputError, match=f"the run id prefix '{shared}' is ambiguous"):
        resolve_run(store, shared)


def test_results_carry_programs_and_private_tasks_are_withheld(store: Store,
                                                                tmp_path: Path) -> None:
    run = _run(store, tmp_path / "s.jsonl",
               {PUBLIC[0].task_id: True, PUBLIC[1].task_id: False, PRIVATE.task_id: False})
    results = {r.task_id: r for r in run_results(store, run)}
    shown = results[PUBLIC[1].task_id]
    assert shown.program == PUBLIC[1].prompt + f"    return False  # {PUBLIC[1].task_id}\n"
    assert shown.detail == SECRET and shown.status is Status.FAILED
    hidden = results[PRIVATE.task_id]
    assert hidden.private and hidden.program is None
    assert SECRET not in hidden.detail and "withheld" in hidden.detail
    assert [r.task_id for r in run_results(store, run, ResultFilter(Status.PASSED))] == [
        PUBLIC[0].task_id]
    assert [r.task_id for r in run_results(store, run, ResultFilter(
        task=PUBLIC[1].task_id))] == [PUBLIC[1].task_id]
    assert run_results(store, run, ResultFilter(kind="debug")) == []


def test_a_rewritten_samples_file_shows_no_program(store: Store, tmp_path: Path) -> None:
    run = _run(store, tmp_path / "s.jsonl", {PUBLIC[0].task_id: True})
    (tmp_path / "s.jsonl").write_text(json.dumps(
        {"task_id": PUBLIC[0].task_id, "completion": "    return 'other'\n"}) + "\n")
    (result,) = run_results(store, run)
    assert result.program is None and "changed" in result.program_note
    (tmp_path / "s.jsonl").unlink()
    (result,) = run_results(store, run)
    assert result.program is None and "gone" in result.program_note


def test_compare_runs_is_the_paired_engine_and_names_no_private_task(
        store: Store, tmp_path: Path) -> None:
    base = {PUBLIC[0].task_id: False, PUBLIC[1].task_id: True, PUBLIC[2].task_id: False,
            PRIVATE.task_id: False}
    other = {**base, PUBLIC[0].task_id: True, PUBLIC[1].task_id: False, PRIVATE.task_id: True}
    a = _run(store, tmp_path / "a.jsonl", base, model="coder-a")
    b = _run(store, tmp_path / "b.jsonl", other, model="coder-b")
    compared = compare_runs(store, a, b, np.random.default_rng(3))
    engine = compare_paired({t: float(v) for t, v in base.items()},
                            {t: float(v) for t, v in other.items()}, np.random.default_rng(3))
    assert compared.comparison == engine
    flips = {pair.task_id: pair.flip for pair in compared.pairs}
    assert flips == {PUBLIC[0].task_id: Flip.GAINED, PUBLIC[1].task_id: Flip.LOST,
                     PUBLIC[2].task_id: Flip.SAME}
    data = compared.to_json()
    assert data["gained"] == [PUBLIC[0].task_id] and data["gained_count"] == 2
    assert data["private_tasks"] == 1 and PRIVATE.task_id not in json.dumps(data)
    assert (data["model_a"], data["model_b"]) == ("coder-a", "coder-b") == (
        run_model(a), run_model(b))
