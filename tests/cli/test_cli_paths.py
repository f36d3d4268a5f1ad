"""Paths that are not UTF-8 (a file name is bytes) reach the store and the output
directory as well-formed text: no traceback, and a rerun resumes the same run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]
# Python holds the byte 0xff of a file name as the lone surrogate U+DCFF.
SAMPLES = "s\udcff.jsonl"
OUT = "o\udcfe"


def _eval(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FAIRCLIMB, "eval", "--samples", SAMPLES, "--out", OUT, "--db", "s.db", "--json"],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "COLUMNS": "200"})


def test_eval_takes_paths_that_are_not_utf8(tmp_path: Path) -> None:
    (tmp_path / SAMPLES).write_text(
        '{"task_id": "HumanEval/53", "completion": "    return x + y\\n"}\n')
    first = _eval(tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    summary = json.loads(first.stdout)
    assert summary["statuses"]["passed"] == 1
    manifest = json.loads((tmp_path / OUT / "run.json").read_text())
    assert manifest["samples_path"] == str(tmp_path / "s\\xff.jsonl")
    again = _eval(tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["run_id"] == summary["run_id"]  # resumed, not new
