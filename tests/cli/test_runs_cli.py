"""fairclimb runs and runs compare as a user runs them: real evals, a real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


def run(args: list[str], cwd: Path, columns: int = 200) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ, "COLUMNS": str(columns)})


def one_line_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def _eval(tmp_path: Path, name: str, completions: dict[str, str]) -> str:
    lines = [json.dumps({"task_id": task, "completion": code}) for task, code in
             completions.items()]
    (tmp_path / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    done = run(["eval", "--samples", f"{name}.jsonl", "--out", name, "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["run_id"])


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    tmp_path = Path(tmp_path_factory.mktemp("runs"))
    # a project folder: every command here finds its store (./fairclimb.db), as a user's
    # would, and none touches the per-user store (module fixtures run before conftest's)
    (tmp_path / "fairclimb.toml").write_text("")
    first = _eval(tmp_path, "a", {"HumanEval/53": "    return x\n",
                                  "HumanEval/55": "    return 1\n"})
    second = _eval(tmp_path, "b", {"HumanEval/53": "    return x + y\n",
                                   "HumanEval/55": "    return 1\n"})
    return tmp_path, first, second


@pytest.mark.slow
def test_runs_shows_whole_ids_and_the_model_at_80_columns(two_runs: tuple[Path, str, str],
                                                          ) -> None:
    tmp_path, first, second = two_runs
    listed = run(["runs"], tmp_path, columns=80)
    assert listed.returncode == 0, listed.stderr
    assert first in listed.stdout and second in listed.stdout
    assert "model" in listed.stdout and all(len(line) <= 80 for line in
                                            listed.stdout.splitlines())
    rows = json.loads(run(["runs", "--json"], tmp_path).stdout)
    assert {row["run_id"] for row in rows} == {first, second}
    assert all(row["model"] == "" for row in rows)  # samples files, no model


@pytest.mark.slow
def test_runs_compare_pairs_by_task(two_runs: tuple[Path, str, str]) -> None:
    tmp_path, first, second = two_runs
    data = json.loads(run(["runs", "compare", first[:8], second, "--json"], tmp_path).stdout)
    assert (data["run_a"], data["run_b"]) == (first, second)
    assert data["tasks"] == 2 and data["pass_at_1_a"] == 0.0 and data["pass_at_1_b"] == 0.5
    assert data["diff"] == 0.5 and data["lower"] is not None and data["upper"] == 1.0
    assert data["gained"] == ["HumanEval/53"] and data["lost"] == []
    text = run(["runs", "compare", first, second], tmp_path, columns=80)
    assert text.returncode == 0, text.stderr
    assert "B - A   +50.0%  95% paired interval [" in text.stdout
    assert "gained by B (1): HumanEval/53" in text.stdout and first in text.stdout


@pytest.mark.slow
def test_unknown_and_ambiguous_run_ids_are_one_sentence(two_runs: tuple[Path, str, str],
                                                        tmp_path: Path) -> None:
    cwd, first, second = two_runs
    one_line_error(run(["runs", "compare", "nope", second], cwd),
                   "no run has an id starting with 'nope'")
    one_line_error(run(["runs", "compare", first, ""], cwd), "a run id is empty")
    common = next((first[:n] for n in range(32, 0, -1) if second.startswith(first[:n])), "")
    if common:  # the two ids share a first character (ambiguity is unit-tested too)
        one_line_error(run(["runs", "compare", common, second], cwd), "is ambiguous")
    one_line_error(run(["view", "--db", str(tmp_path / "none.db")], tmp_path),
                   "there is no store at")
    assert not (tmp_path / "none.db").exists()
