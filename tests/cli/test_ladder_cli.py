"""fairclimb ladder as a user runs it: a real process, a real store, the real sandbox."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from fake_openai import prompt_text
from test_cli import run

from fairclimb.suites import Split, get_suite


def hidden_answers(path: Path, right: int) -> Path:
    tasks = [t for t in get_suite("fairclimb-implement").tasks if t.split is Split.PRIVATE]
    path.write_text("".join(
        json.dumps({"task_id": t.task_id,
                    "solution": t.reference_program if i < right else "x = 1\n"}) + "\n"
        for i, t in enumerate(tasks)))
    return path


def counts(db: Path) -> tuple[int, int]:
    """(ladder submissions, evaluation runs) stored."""
    with sqlite3.connect(db) as conn:
        return (conn.execute("SELECT count(*) FROM ladder_submissions").fetchone()[0],
                conn.execute("SELECT count(*) FROM eval_runs").fetchone()[0])


def refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_submit_shows_the_released_score_only_and_refuses_bad_input(tmp_path: Path) -> None:
    db = ["--db", "store.db"]
    created = run(["ladder", "create", "b", "--suite", "fairclimb-implement",
                   "--split", "private", "--max-per-day", "1", *db], tmp_path)
    assert created.returncode == 0, created.stderr
    submit = ["ladder", "submit", "b", "--team", "red", "--json", *db, "--samples"]
    first = run([*submit, str(hidden_answers(tmp_path / "a.jsonl", 12))], tmp_path)
    assert first.returncode == 0, first.stderr
    shown = json.loads(first.stdout)
    assert shown.keys() == {"team", "submission", "released_score", "improved",
                            "submissions"}
    assert (shown["team"], shown["submission"], shown["improved"]) == ("red", 1, True)
    # Nothing names a hidden task or a per-sample verdict.
    assert "fairclimb-implement/" not in first.stdout + first.stderr
    assert "passed" not in first.stdout and "failed" not in first.stdout
    assert {p.name for p in tmp_path.iterdir()} - {"store.db-shm", "store.db-wal"} == {
        "a.jsonl", "store.db"}
    assert counts(tmp_path / "store.db") == (1, 1)

    humaneval = tmp_path / "h.jsonl"
    humaneval.write_text('{"task_id": "HumanEval/0", "completion": "  return 1\\n"}\n')
    refused(run([*submit, "h.jsonl"], tmp_path),  # the board's suite, not eval's --suite
            "answers tasks of the suite humaneval; the board b scores fairclimb-implement")
    refused(run([*submit, "a.jsonl"], tmp_path), "made its 1 submissions to b allowed today")
    refused(run(["ladder", "submit", "nope", "--team", "red", "--samples", "a.jsonl", *db],
                tmp_path), "no ladder board named 'nope'")
    assert counts(tmp_path / "store.db") == (1, 1)

    board = run(["ladder", "show", "b", "--json", *db], tmp_path)
    view = json.loads(board.stdout)
    assert (view["mode"], view["tasks"]) == ("ladder", 20)
    assert [(t["team"], t["submissions"], t["released_score"]) for t in view["teams"]] == [
        ("red", 1, shown["released_score"])]
    table = run(["ladder", "show", "b", *db], tmp_path)
    assert table.returncode == 0
    assert f"1: {shown['released_score']:.4f}*" in table.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["show", "nope"], "no ladder board named 'nope'"),
    (["create", "b", "--suite", "humaneval"], "has no private tasks"),
    (["create", "b", "--suite", "nope"], "unknown suite 'nope'"),
    (["submit", "b", "--team", "red"], "needs one of --samples FILE or --model NAME"),
    (["submit", "b", "--team", "red", "--samples", "a.jsonl", "--model", "m"],
     "takes one of --samples or --model, not both"),
])
def test_bad_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    refused(run(["ladder", *args, "--db", "store.db"], tmp_path), message)


def test_a_model_submission_is_scored_on_the_hidden_tasks(tmp_path: Path,
                                                          fake_openai: Any) -> None:
    hidden = [t for t in get_suite("fairclimb-implement").tasks if t.split is Split.PRIVATE]
    known = hidden[:15]

    def respond(request: dict[str, Any]) -> str:
        text = prompt_text(request)
        task = next((t for t in known if t.prompt.strip() in text), None)
        return f"```python\n{task.reference_program if task else 'x = 1'}\n```\n"

    fake_openai.set_responder(respond)
    db = ["--db", "store.db"]
    for args in (["models", "add", "fake", "--base-url", fake_openai.base_url, "--model",
                  "fake-coder"],
                 ["ladder", "create", "b", "--suite", "fairclimb-implement", "--naive"]):
        assert run([*args, *db], tmp_path).returncode == 0
    result = run(["ladder", "submit", "b", "--team", "red", "--model", "fake", "--json",
                  "--workers", "2", *db], tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"team": "red", "submission": 1,
                                         "released_score": 0.75, "improved": True,
                                         "submissions": 1}
    assert "fairclimb-implement/" not in result.stdout + result.stderr
    refused(run(["ladder", "submit", "b", "--team", "red", "--model", "nope", *db], tmp_path),
            "nope")
    assert counts(tmp_path / "store.db") == (1, 1)


def test_a_submission_is_no_ordinary_run_so_its_exact_score_shows_nowhere(
        tmp_path: Path) -> None:
    db = ["--db", "store.db"]
    assert run(["ladder", "create", "b", "--suite", "fairclimb-implement", *db],
               tmp_path).returncode == 0
    submitted = run(["ladder", "submit", "b", "--team", "red", *db, "--samples",
                     str(hidden_answers(tmp_path / "a.jsonl", 7))], tmp_path)
    assert submitted.returncode == 0, submitted.stderr
    listed = run(["runs", "--json", *db], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    with sqlite3.connect(tmp_path / "store.db") as conn:
        run_id = conn.execute("SELECT run_id FROM eval_runs").fetchone()[0]
    for ref in (run_id, run_id[:8]):
        refused(run(["runs", "compare", ref, ref, *db], tmp_path), "no run has an id")


def _submit(tmp_path: Path, samples: Path, scratch: Path) -> subprocess.Popen[str]:
    from test_cli import FAIRCLIMB
    return subprocess.Popen(
        [*FAIRCLIMB, "ladder", "submit", "b", "--team", "red", "--db", "store.db",
         "--samples", str(samples)], cwd=tmp_path, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env={**os.environ, "TMPDIR": str(scratch)})


def test_concurrent_submissions_over_the_limit_evaluate_and_store_nothing(
        tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert run(["ladder", "create", "b", "--suite", "fairclimb-implement", "--max-per-day",
                "1", "--db", "store.db"], tmp_path).returncode == 0
    samples = hidden_answers(tmp_path / "a.jsonl", 9)
    procs = [_submit(tmp_path, samples, scratch) for _ in range(3)]
    outcomes = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    assert sorted(code == 0 for code, _ in outcomes) == [False, False, True], outcomes
    assert all("allowed today" in err for code, err in outcomes if code != 0)
    # Only the admitted submission was evaluated: one run, one submission.
    assert counts(tmp_path / "store.db") == (1, 1)
    assert list(scratch.iterdir()) == []


def test_a_killed_submission_gives_its_slot_and_scratch_folder_back(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert run(["ladder", "create", "b", "--suite", "fairclimb-implement", "--max-per-day",
                "1", "--db", "store.db"], tmp_path).returncode == 0
    samples = hidden_answers(tmp_path / "a.jsonl", 9)
    killed = _submit(tmp_path, samples, scratch)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _pending(tmp_path / "store.db"):
        time.sleep(0.05)
    assert _pending(tmp_path / "store.db"), "the submission never took its slot"
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    assert list(scratch.iterdir()) != []  # SIGKILL left its scratch folder behind
    again = run(["ladder", "submit", "b", "--team", "red", "--db", "store.db", "--samples",
                 str(samples)], tmp_path, TMPDIR=str(scratch))
    assert again.returncode == 0, again.stderr
    assert list(scratch.iterdir()) == []


def _pending(db: Path) -> bool:
    if not db.exists():
        return False
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return bool(conn.execute("SELECT count(*) FROM ladder_reservations "
                                     "WHERE state = 'pending'").fetchone()[0])
    except sqlite3.OperationalError:
        return False
