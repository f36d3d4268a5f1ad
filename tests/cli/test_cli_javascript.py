"""JavaScript suites from the command line: real Node in the real sandbox, trusted checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fairclimb.suites import get_suite

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **env, "COLUMNS": "200"}, check=False)


def samples() -> list[tuple[dict[str, str], str, str]]:
    """(sample, expected status, a phrase its detail must contain)."""
    suite = get_suite("fairclimb-js")
    slugify, sum_range = suite.get("fairclimb-js/slugify"), suite.get("fairclimb-js/sum-range")
    assert slugify is not None and sum_range is not None
    return [
        ({"task_id": slugify.task_id, "completion": slugify.reference}, "passed", "calls checked"),
        ({"task_id": slugify.task_id, "completion": "  return title.toLowerCase();\n}\n"},
         "failed", "slugify('Hello, World!')"),
        ({"task_id": sum_range.task_id, "solution": sum_range.reference}, "passed", "calls"),
        ({"task_id": sum_range.task_id, "solution": sum_range.buggy}, "failed",
         "it returned 45"),
        ({"task_id": sum_range.task_id, "solution": "process.exit(0);"}, "error",
         "exited with code 0"),
        ({"task_id": sum_range.task_id, "solution":
          "function sumRange() { return {valueOf() { return 55; }}; }"}, "failed",
         "not plain data"),
        ({"task_id": sum_range.task_id, "solution": "function sumRange() { for (;;) {} }"},
         "timeout", "time limit"),
        ({"task_id": sum_range.task_id, "solution": "function sumRange( {"}, "invalid",
         "SyntaxError"),
    ]


def test_eval_judges_javascript_samples(tmp_path: Path) -> None:
    cases = samples()
    (tmp_path / "s.jsonl").write_text("".join(json.dumps(s) + "\n" for s, _, _ in cases))
    result = run(["eval", "--suite", "fairclimb-js", "--samples", "s.jsonl", "--out", "out",
                  "--db", "s.db", "--json", "--timeout", "2", "--workers", "2"], tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text()
            .splitlines()]
    by_index = {row.get("sample_index", i): row for i, row in enumerate(rows)}
    for index, (_, status, phrase) in enumerate(cases):
        row = by_index[index]
        assert row["status"] == status, row
        assert phrase in row["detail"], row
    summary = json.loads(result.stdout)
    assert summary["statuses"]["passed"] == 2


def test_missing_node_is_one_sentence_and_writes_nothing(tmp_path: Path) -> None:
    suite = get_suite("fairclimb-js")
    task = suite.tasks[0]
    (tmp_path / "s.jsonl").write_text(json.dumps({"task_id": task.task_id,
                                                  "completion": task.reference}) + "\n")
    result = run(["eval", "--suite", "fairclimb-js", "--samples", "s.jsonl", "--out", "out",
                  "--db", "s.db"], tmp_path, FAIRCLIMB_NODE=str(tmp_path / "no" / "node"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "need Node.js" in result.stderr and "install Node.js" in result.stderr
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "s.db").exists()
    refs = run(["eval", "--suite", "fairclimb-js", "--check-references"], tmp_path,
               FAIRCLIMB_NODE=str(tmp_path / "no" / "node"))
    assert refs.returncode != 0 and "need Node.js" in refs.stderr
    assert "Traceback" not in refs.stderr


@pytest.mark.slow
def test_check_references_passes_for_fairclimb_js(tmp_path: Path) -> None:
    result = run(["eval", "--suite", "fairclimb-js", "--check-references", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["total"] >= 40 and report["passed"] == report["total"], report["failures"]
    assert report["buggy_checked"] >= 10 and report["buggy_passing"] == []  # bugs are seen


def test_suites_lists_fairclimb_js(tmp_path: Path) -> None:
    result = run(["suites", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    suites = {suite["name"]: suite for suite in json.loads(result.stdout)}
    js = suites["fairclimb-js"]
    assert js["size"] >= 40 and js["languages"] == ["javascript"]
    assert js["kinds"] == ["debug", "implement"] and js["origin"] == "fairclimb"
