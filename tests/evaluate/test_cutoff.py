"""eval --after DATE: scores split at a model's training cutoff by task creation dates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairclimb.errors import UserInputError
from fairclimb.evaluate import EvalOptions, Summary
from fairclimb.store import Store
from fairclimb.suites import get_suite

CUTOFF = "2026-11-10"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fairclimb", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"}, check=False)


@pytest.mark.slow
def test_scores_are_split_at_the_cutoff_with_intervals(tmp_path: Path) -> None:
    tasks = get_suite("fairclimb-implement").tasks
    # right before the cutoff, wrong after it: what a memorising model would look like
    rows = [{"task_id": t.task_id,
             "completion": t.reference if t.created <= CUTOFF else "    return None\n"}
            for t in tasks]
    (tmp_path / "s.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run(["eval", "--suite", "fairclimb-implement", "--samples", "s.jsonl", "--out",
                  "out", "--db", "s.db", "--after", CUTOFF, "--json", "--workers", "2"],
                 tmp_path)
    assert result.returncode == 0, result.stderr
    summary = Summary.from_json(json.loads(result.stdout))
    assert summary.cutoff == CUTOFF
    sides = {score.split: score for score in summary.by_date}
    before, after = sides[f"up to {CUTOFF}"], sides[f"after {CUTOFF}"]
    assert before.tasks == sum(t.created <= CUTOFF for t in tasks) > 0
    assert after.tasks == sum(t.created > CUTOFF for t in tasks) > 0
    assert before.passed == before.samples and after.passed == 0
    early, late = before.pass_at_k[0], after.pass_at_k[0]
    assert (early.k, early.estimate, late.estimate) == (1, 1.0, 0.0)
    assert early.lower <= early.estimate <= early.upper
    # the stored summary keeps the split too
    stored = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert stored["cutoff"] == CUTOFF and len(stored["by_date"]) == 2
    shown = run(["eval", "--suite", "fairclimb-implement", "--samples", "s.jsonl", "--out",
                 "out", "--db", "s.db", "--after", CUTOFF], tmp_path)
    assert shown.returncode == 0 and f"training cutoff {CUTOFF}" in shown.stdout


@pytest.mark.parametrize(("suite", "after", "message"), [
    ("humaneval", CUTOFF, "the suite humaneval does not say when its tasks were written"),
    ("fairclimb-implement", "last year", "--after takes a date as YYYY-MM-DD"),
])
def test_bad_cutoffs_are_one_sentence_and_store_nothing(tmp_path: Path, suite: str,
                                                        after: str, message: str) -> None:
    task = get_suite(suite).tasks[0]
    (tmp_path / "s.jsonl").write_text(json.dumps({"task_id": task.task_id,
                                                  "completion": task.reference}) + "\n")
    result = run(["eval", "--suite", suite, "--samples", "s.jsonl", "--out", "out",
                  "--db", "s.db", "--after", after], tmp_path)
    assert result.returncode != 0 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
    with Store.open(str(tmp_path / "s.db")) as store:
        assert store.list_runs() == []


def test_the_cutoff_must_be_a_date() -> None:
    with pytest.raises(UserInputError, match="YYYY-MM-DD"):
        EvalOptions(after="2026-13-01")
