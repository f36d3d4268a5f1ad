"""Private tasks: evaluated, but their tests never reach results, store rows or reports;
webdev tasks: refused by eval, skipped by the reference check."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from fairclimb.errors import UserInputError
from fairclimb.evaluate import EvalOptions, Summary, check_references, evaluate, plan_evaluation
from fairclimb.evaluate._private import WEBDEV_NOTE, withheld
from fairclimb.evaluate._records import Status, Verdict
from fairclimb.sandbox import Limits
from fairclimb.store import Store
from fairclimb.suites import Split, Task, TaskKind

OPTIONS = EvalOptions(workers=2, limits=Limits(wall_s=5.0), bootstrap_rounds=100)
PRIVATE = "fairclimb-implement/a-percentile"
PUBLIC = "fairclimb-implement/a-merge-intervals"
ROWS = [
    # Wrong (its test quotes calls), and slow enough that its times would say so.
    {"task_id": PRIVATE, "completion": "    import time\n    time.sleep(0.05)\n    return 0.0\n"},
    {"task_id": PUBLIC, "completion": "    return []\n"},
    {"task_id": PUBLIC, "completion": "    return sorted(intervals)\n"},
]


def _run(tmp_path: Path, store: Store, samples: Path, options: EvalOptions,
         out: str) -> Path:
    evaluate(plan_evaluation("fairclimb-implement", samples, tmp_path / out, options), store)
    return tmp_path / out


@pytest.mark.slow
def test_private_details_are_withheld_unless_asked_for(
    tmp_path: Path, store: Store, write_samples: Callable[..., Path]
) -> None:
    samples = write_samples(ROWS)
    out = _run(tmp_path, store, samples, OPTIONS, "default")
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["status"] for r in results] == ["failed", "failed", "failed"]
    assert results[0]["detail"] == "failed (details withheld: private task)"
    assert "candidate" in results[1]["detail"] or "expected" in results[1]["detail"]
    summary = json.loads((out / "summary.json").read_text())
    run_id = summary["run_id"]
    stored = store.results(run_id)
    assert stored[0].detail == "failed (details withheld: private task)"
    assert stored[1].detail == results[1]["detail"]
    # Timing is a channel too (a sample can sleep for as long as an argument says):
    # the private task's times are withheld like its detail, the public ones kept.
    assert (stored[0].cpu_s, stored[0].wall_s) == (0.0, 0.0)
    assert stored[1].wall_s > 0 and stored[2].wall_s > 0
    # The report holds aggregates per split and never names a task.
    assert PRIVATE not in json.dumps(summary) and "a-percentile" not in json.dumps(summary)
    splits = {s["split"]: s for s in summary["splits"]}
    assert splits["private"]["tasks"] == 1 and splits["private"]["samples"] == 1
    assert splits["public"]["tasks"] == 1 and splits["public"]["samples"] == 2
    assert splits["private"]["passed"] == 0
    assert Summary.from_json(summary).splits[0].split == "private"
    run = store.get_run(run_id)
    assert run is not None and run.settings["include_private"] is False

    full = _run(tmp_path, store, samples, replace(OPTIONS, include_private=True), "full")
    first = json.loads((full / "results.jsonl").read_text().splitlines()[0])
    assert first["status"] == "failed" and "withheld" not in first["detail"]
    assert first["detail"].strip()
    full_id = json.loads((full / "summary.json").read_text())["run_id"]
    assert store.results(full_id)[0].wall_s > 0


@pytest.mark.parametrize("split", [Split.PRIVATE, Split.PUBLIC])
def test_a_private_tasks_times_and_costs_are_withheld_with_its_detail(split: Split) -> None:
    task = Task(task_id="s/t", suite="s", prompt="", entry_point="f", reference="",
                tests="", split=split, kind=TaskKind.OPTIMIZE)
    verdict = Verdict(Status.PASSED, "3 calls checked", calls=3, cpu_s=0.25, wall_s=0.5,
                      cost=0.125, cost_measure="cpu_time", speed_score=0.75)
    assert withheld(verdict, task, include_private=True) == verdict
    shown = withheld(verdict, task, include_private=False)
    if split is Split.PUBLIC:
        assert shown == verdict
        return
    assert shown.status is Status.PASSED and shown.calls == 3
    assert shown.detail == "passed (details withheld: private task)"
    assert (shown.cpu_s, shown.wall_s, shown.cost, shown.speed_score) == (0.0, 0.0, None, None)


def test_eval_refuses_webdev_tasks(tmp_path: Path,
                                   write_samples: Callable[..., Path]) -> None:
    samples = write_samples([{"task_id": "fairclimb-webdev/todo-app",
                              "solution": "<!doctype html><title>x</title>"}])
    with pytest.raises(UserInputError) as caught:
        plan_evaluation("fairclimb-webdev", samples, tmp_path / "out", OPTIONS)
    assert str(caught.value) == WEBDEV_NOTE
    assert not (tmp_path / "out").exists()


def test_reference_check_skips_webdev_with_the_note() -> None:
    report = check_references("fairclimb-webdev", OPTIONS)
    assert report.total == 0 and report.failures == [] and report.skipped >= 20
    assert report.note is not None and WEBDEV_NOTE in report.note


@pytest.mark.slow
def test_every_fairclimb_implement_reference_passes_in_the_sandbox() -> None:
    report = check_references("fairclimb-implement", replace(OPTIONS, workers=4))
    assert report.total >= 35
    assert report.failures == [], report.failures


def test_the_summary_table_shows_split_aggregates_without_task_ids() -> None:
    import numpy as np
    from rich.console import Console

    from fairclimb.evaluate import Status, render_summary
    from fairclimb.evaluate._summary import summarize

    rows = [(PRIVATE, Status.PASSED), (PRIVATE, Status.FAILED), (PUBLIC, Status.PASSED)]
    summary = summarize("fairclimb-implement", rows, seconds=1.0, sandbox="bwrap", ks=(1,),
                        rounds=50, rng=np.random.default_rng(0),
                        split_of={PRIVATE: "private", PUBLIC: "public"})
    assert [(s.split, s.samples, s.passed) for s in summary.splits] == [
        ("private", 2, 1), ("public", 1, 1)]
    assert summary.splits[0].pass_at_k[0].estimate == pytest.approx(0.5)
    console = Console(record=True, width=120)
    render_summary(summary, console)
    shown = console.export_text()
    assert "by split" in shown and "private" in shown and "50.0%" in shown
    assert "a-percentile" not in shown and "a-merge-intervals" not in shown
