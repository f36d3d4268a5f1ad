"""The quickstart's output directory: it only ever removes what it wrote itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairclimb.errors import UserInputError
from fairclimb.quickstart import MARKER, claim_out_dir


def _results_of_a_real_run(where: Path) -> Path:
    """What every ``fairclimb eval --out`` leaves: a run.json beside the results."""
    where.mkdir()
    (where / "run.json").write_text('{"suite": "humaneval"}\n')
    (where / "results.jsonl").write_text('{"task_id": "HumanEval/0", "passed": true}\n')
    (where / "my-notes.md").write_text("weeks of work\n")
    return where


def test_quickstart_refuses_a_directory_it_did_not_make(tmp_path: Path) -> None:
    out = _results_of_a_real_run(tmp_path / "results")
    result = subprocess.run([sys.executable, "-m", "fairclimb", "quickstart", "--out", str(out),
                             "--db", str(tmp_path / "q.db")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, check=False,
                            env={**os.environ, "COLUMNS": "200"})
    assert result.returncode != 0
    assert "did not write" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in out.iterdir()) == ["my-notes.md", "results.jsonl", "run.json"]
    assert not (tmp_path / "q.db").exists()


def test_claim_refuses_a_file_and_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(UserInputError, match="not a directory"):
        claim_out_dir(tmp_path / "a-file")
    out = _results_of_a_real_run(tmp_path / "results")
    with pytest.raises(UserInputError, match="did not write"):
        claim_out_dir(out)
    assert (out / "run.json").exists() and not (out / MARKER).exists()


@pytest.mark.parametrize("existing", [False, True], ids=["new", "empty"])
def test_claim_takes_a_new_or_empty_directory(tmp_path: Path, existing: bool) -> None:
    out = tmp_path / "deep" / "out"
    if existing:
        out.mkdir(parents=True)
    claim_out_dir(out)
    assert (out / MARKER).is_file()


def test_claim_clears_only_the_quickstarts_own_files(tmp_path: Path) -> None:
    out = tmp_path / "qs"
    claim_out_dir(out)
    own = ["run.json", "results.jsonl", "summary.json", "arena-demo.db", "optimize/run.json",
           "optimize/results.jsonl", "debug/debug_samples.jsonl", "debug/summary.json"]
    for name in own:
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text("old")
    (out / "debug" / "mine.txt").write_text("keep me")
    (out / "keep.txt").write_text("keep me too")
    claim_out_dir(out)
    assert not any((out / name).exists() for name in own)
    assert (out / "debug" / "mine.txt").read_text() == "keep me"
    assert (out / "keep.txt").read_text() == "keep me too"
    assert not (out / "optimize").exists()  # emptied, so removed
    assert (out / MARKER).is_file()
