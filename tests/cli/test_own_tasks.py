"""Your own tasks from the CLI: eval/generate --tasks, suites add and show, selection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "200"}, check=False)


def tasks_file(path: Path, count: int, *, broken: int | None = None) -> Path:
    """*count* natural-language tasks "add k to x"; task *broken*'s reference is wrong."""
    rows = []
    for k in range(count):
        offset = k + 1 if k == broken else k
        rows.append({
            "id": f"mine/{k}", "prompt": f"Write a function add{k}(x) that returns x + {k}.",
            "entry_point": f"add{k}",
            "tests": f"def check(candidate):\n    assert candidate(1) == {1 + k}\n",
            "reference": f"def add{k}(x):\n    return x + {offset}\n"})
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def one_line_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_eval_tasks_check_references(tmp_path: Path) -> None:
    tasks_file(tmp_path / "t.jsonl", 3)
    result = run(["eval", "--tasks", "t.jsonl", "--check-references", "--db", "s.db"],
                 tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3/3 reference solutions pass" in result.stdout


def test_a_failing_reference_refuses_the_file_and_stores_nothing(tmp_path: Path) -> None:
    tasks_file(tmp_path / "t.jsonl", 3, broken=1)
    samples = tmp_path / "s.jsonl"
    samples.write_text(json.dumps({"task_id": "mine/0", "solution": "def add0(x): return x"})
                       + "\n")
    result = run(["eval", "--tasks", "t.jsonl", "--samples", "s.jsonl", "--out", "o",
                  "--db", "s.db"], tmp_path)
    one_line_error(result, "the reference of task 'mine/1' fails its own tests")
    added = run(["suites", "add", "mine", "--from", "t.jsonl", "--db", "s.db"], tmp_path)
    one_line_error(added, "the reference of task 'mine/1' fails its own tests")
    distilled = run(["distill", "--teacher", "t", "--dataset", "d", "--tasks", "t.jsonl",
                     "--db", "s.db"], tmp_path)
    one_line_error(distilled, "the reference of task 'mine/1' fails its own tests")
    assert not (tmp_path / "o").exists() and not (tmp_path / "s.db").exists()


def test_suites_add_show_and_eval_a_selection(tmp_path: Path) -> None:
    tasks_file(tmp_path / "t.jsonl", 4)
    added = run(["suites", "add", "mine", "--from", "t.jsonl", "--db", "s.db"], tmp_path)
    assert added.returncode == 0, added.stderr
    shown = run(["suites", "show", "mine", "--json", "--db", "s.db"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert [t["task_id"] for t in json.loads(shown.stdout)["tasks"]] == [
        f"mine/{k}" for k in range(4)]
    listed = run(["suites", "--json", "--db", "s.db"], tmp_path)
    assert {"name": "mine", "size": 4}.items() <= next(
        s for s in json.loads(listed.stdout) if s["name"] == "mine").items()
    samples = tmp_path / "s.jsonl"
    samples.write_text("".join(json.dumps({"task_id": f"mine/{k}", "solution":
                                           f"def add{k}(x):\n    return x + {k}\n"}) + "\n"
                               for k in range(4)))
    result = run(["eval", "--suite", "mine", "--samples", "s.jsonl", "--out", "o",
                  "--task-ids", "mine/1,mine/3", "--json", "--db", "s.db"], tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["tasks"] == 2, summary
    results = [json.loads(line) for line in (tmp_path / "o" / "results.jsonl").open()]
    assert sorted(r["task_id"] for r in results) == ["mine/1", "mine/3"]


def test_suites_add_private_and_shipped_names(tmp_path: Path) -> None:
    tasks_file(tmp_path / "t.jsonl", 2)
    added = run(["suites", "add", "held", "--from", "t.jsonl", "--private", "--db", "s.db"],
                tmp_path)
    assert added.returncode == 0, added.stderr
    shown = run(["suites", "show", "mine/0", "--db", "s.db"], tmp_path)
    one_line_error(shown, "mine/0 is a private task")
    shipped = run(["suites", "add", "humaneval", "--from", "t.jsonl", "--db", "s.db"],
                  tmp_path)
    one_line_error(shipped, "'humaneval' is a suite shipped with fairclimb")


def test_generate_limit_and_split(tmp_path: Path, fake_openai: Any) -> None:
    added = run(["models", "add", "fake", "--base-url", fake_openai.base_url, "--model",
                 "fake-coder", "--db", "s.db"], tmp_path)
    assert added.returncode == 0, added.stderr
    result = run(["generate", "--model", "fake", "--suite", "humaneval", "--limit", "3",
                  "-n", "2", "--out", "gen", "--json", "--db", "s.db"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["samples"] == 6 and fake_openai.calls == 6
    ids = {json.loads(line)["task_id"] for line in (tmp_path / "gen" / "samples.jsonl").open()}
    assert ids == {"HumanEval/0", "HumanEval/1", "HumanEval/2"}
    private = run(["generate", "--model", "fake", "--suite", "humaneval", "--split",
                   "private", "--out", "gen2", "--db", "s.db"], tmp_path)
    one_line_error(private, "no task of suite 'humaneval' is in the private split")


@pytest.mark.parametrize("command", [["eval", "--check-references"],
                                     ["generate", "--model", "x", "--out", "o"],
                                     ["distill", "--teacher", "x", "--dataset", "d"]])
def test_every_suite_command_takes_the_selection(tmp_path: Path, command: list[str]) -> None:
    result = run([*command, "--help"], tmp_path)
    for option in ("--tasks", "--limit", "--task-ids", "--split"):
        assert option in result.stdout, (command, option)
