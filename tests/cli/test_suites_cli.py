"""fairclimb suites build|check|show as a user runs them: real processes, real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairclimb.store import Store, StoredSuite, SuiteRepository
from fairclimb.suites import Split, get_suite, task_to_fields

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args, "--db", "s.db"], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False,
                          env={**os.environ, "COLUMNS": "200"})


def put(cwd: Path, name: str, origin: str, tests: str | None = None,
        split: Split = Split.PUBLIC, reference: str | None = None) -> str:
    """Store a one-task suite made from HumanEval/13 (gcd); returns its task id."""
    source = get_suite("humaneval").get("HumanEval/13")
    assert source is not None
    fields = task_to_fields(source) | {
        "task_id": f"{name}/gcd", "suite": name, "origin": origin, "split": split.value}
    if tests is not None:
        fields["tests"] = tests
    if reference is not None:
        fields["reference"] = reference
    with Store.open(str(cwd / "s.db")) as store:
        SuiteRepository(store).put(StoredSuite(name, f"{name} suite", origin, {}, [fields]))
    return str(fields["task_id"])


def one_line_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_check_exit_codes_for_fairclimb_and_third_party_suites(tmp_path: Path) -> None:
    weak_tests = "def check(candidate):\n    candidate(3, 7)\n"  # checks nothing
    put(tmp_path, "weak", "fairclimb", weak_tests)
    put(tmp_path, "thirdparty", "openai/human-eval", weak_tests)
    failed = run(["suites", "check", "weak", "--timeout", "1", "--workers", "2"], tmp_path)
    assert failed.returncode == 6, failed.stderr
    assert "weak/gcd" in failed.stdout and "fails the test adequacy gate" in failed.stdout
    assert "survi" in failed.stdout
    reported = run(["suites", "check", "thirdparty", "--json", "--timeout", "1"], tmp_path)
    assert reported.returncode == 0, reported.stderr
    report = json.loads(reported.stdout)
    assert report["third_party"] is True and report["weak_tasks"] == ["thirdparty/gcd"]
    assert report["mutation_score"] < 0.9 and report["references_passed"] == 1
    text = run(["suites", "check", "thirdparty", "--timeout", "1"], tmp_path)
    assert text.returncode == 0 and "third-party suite" in text.stdout
    assert "kept as published" in text.stdout


@pytest.mark.slow
def test_show_prints_a_task_and_refuses_private_ones(tmp_path: Path) -> None:
    shown = run(["suites", "show", "HumanEval/13", "--json"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    task = json.loads(shown.stdout)
    assert task["entry_point"] == "greatest_common_divisor" and task["licence"] == "MIT"
    assert {"prompt", "reference", "tests", "kind", "language", "split", "origin",
            "created"} <= set(task)
    assert not (tmp_path / "s.db").exists()  # looking never creates a store
    text = run(["suites", "show", "HumanEval/13"], tmp_path)
    assert "entry_point: greatest_common_divisor" in text.stdout and "def check" in text.stdout

    secret = put(tmp_path, "secret", "fairclimb", split=Split.PRIVATE)
    one_line_error(run(["suites", "show", secret], tmp_path), "is a private task")
    assert run(["suites", "show", secret, "--include-private"], tmp_path).returncode == 0
    one_line_error(run(["suites", "show", "Nope/1"], tmp_path), "no suite has a task 'Nope/1'")


def test_listing_shows_built_suites(tmp_path: Path) -> None:
    put(tmp_path, "mini-debug", "fairclimb: generated")
    rows = json.loads(run(["suites", "--json"], tmp_path).stdout)
    mini = next(row for row in rows if row["name"] == "mini-debug")
    assert mini["size"] == 1 and mini["origin"] == "fairclimb: generated"
    assert {row["name"] for row in rows} >= {"humaneval", "mini-debug"}


def test_bad_input(tmp_path: Path) -> None:
    put(tmp_path, "noref", "somewhere", reference="")
    one_line_error(run(["suites", "build", "debug", "--from", "noref"], tmp_path),
                   "the suite noref has no reference solutions")
    with Store.open(str(tmp_path / "s.db")) as store:
        assert [s.name for s in SuiteRepository(store).list()] == ["noref"]
    one_line_error(run(["suites", "build", "optimise", "--from", "humaneval"], tmp_path),
                   "cannot build 'optimise' suites")
    one_line_error(run(["suites", "check", "nope"], tmp_path), "unknown suite 'nope'")

    (tmp_path / "samples.jsonl").write_text(
        '{"task_id": "noref/gcd", "solution": "def f(): pass"}\n')
    wrong_suite = run(["eval", "--suite", "humaneval", "--samples", "samples.jsonl",
                       "--out", "out"], tmp_path)
    one_line_error(wrong_suite, "belongs to the suite noref, not humaneval; evaluate this "
                                "file with --suite noref")
    assert not (tmp_path / "out").exists()
