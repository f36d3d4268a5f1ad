"""The command line as a user runs it: a real process, real files, a real store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from interrupt import FAIRCLIMB_WITH_DEFAULT_SIGINT

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **env, "COLUMNS": "200"}, check=False)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


BAD_INPUT = [
    ("missing-file", None, ["--samples", "nope.jsonl"], "does not exist"),
    ("malformed-json", '{"task_id": "HumanEval/0", "completion": "x"}\n{oops\n', [],
     ":2: not valid JSON"),
    ("unterminated-string", '{"task_id": "HumanEval/0", "completion": "x\n', [],
     "samples.jsonl:1: not valid JSON (Invalid control character at, column 44)"),
    ("not-an-object", "[1, 2]\n", [], "expected a JSON object"),
    ("unknown-task", '{"task_id": "HumanEval/999", "completion": "x"}\n', [],
     "unknown task id 'HumanEval/999'"),
    ("no-code", '{"task_id": "HumanEval/0"}\n', [], "neither 'completion' nor 'solution'"),
    ("unknown-suite", '{"task_id": "HumanEval/0", "completion": "x"}\n', ["--suite", "nope"],
     "unknown suite 'nope'; known suites: humaneval"),
    ("empty", "\n\n", [], "holds no samples"),
]


@pytest.mark.parametrize(("content", "extra", "message"),
                         [case[1:] for case in BAD_INPUT], ids=[case[0] for case in BAD_INPUT])
def test_bad_input_gets_one_clear_line_and_writes_nothing(
    tmp_path: Path, content: str | None, extra: list[str], message: str
) -> None:
    args = ["eval", "--out", "out", "--db", "store.db"]
    if content is not None:
        write(tmp_path / "samples.jsonl", content)
        args += ["--samples", "samples.jsonl"]
    result = run([*args, *extra], tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "store.db").exists()


def test_eval_json_summary(tmp_path: Path) -> None:
    write(tmp_path / "s.jsonl", '{"task_id": "HumanEval/53", "completion": "    return x + y\\n"}\n'
                                '{"task_id": "HumanEval/53", "completion": "    return x\\n"}\n')
    result = run(["eval", "--samples", "s.jsonl", "--out", "out", "--json", "--db", "s.db"],
                 tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["statuses"]["passed"] == 1 and summary["statuses"]["failed"] == 1
    assert summary["pass_at_k"][0]["k"] == 1 and summary["pass_at_k"][0]["estimate"] == 0.5
    runs = json.loads(run(["runs", "--json", "--db", "s.db"], tmp_path).stdout)
    assert runs[0]["run_id"] == summary["run_id"]


@pytest.mark.slow
def test_kill_9_loses_nothing_and_rerun_resumes(tmp_path: Path) -> None:
    # 100 x 0.15 s on two workers: over seven seconds of work, so the kill lands mid-run
    # even on a busy machine.
    slow = "import time\ntime.sleep(0.15)\ndef add(x, y):\n    return x + y\n"
    rows = [{"task_id": "HumanEval/53", "solution": f"{slow}# {i}\n"} for i in range(100)]
    write(tmp_path / "s.jsonl", "".join(json.dumps(row) + "\n" for row in rows))
    args = [*FAIRCLIMB, "eval", "--samples", "s.jsonl", "--out", "out", "--db", "s.db",
            "--workers", "2"]
    process = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    results = tmp_path / "out" / "results.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if results.exists() and len(results.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = results.read_text().splitlines()
    assert 3 <= len(before) < 100
    rerun = run(["eval", "--samples", "s.jsonl", "--out", "out", "--db", "s.db"], tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    after = results.read_text().splitlines()
    assert len(after) == 100
    assert after[: len(before) - 1] == before[: len(before) - 1]  # the last may have been torn
    details = [json.loads(line)["detail"] for line in after]
    assert all(json.loads(line)["passed"] for line in after), details
    assert "resumed:" in rerun.stdout


@pytest.mark.slow
def test_check_references_reports_164_of_164(tmp_path: Path) -> None:
    result = run(["eval", "--suite", "humaneval", "--check-references", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["passed"], report["total"], report["failures"]) == (164, 164, [])


@pytest.mark.slow
def test_quickstart_runs_on_embedded_defaults(tmp_path: Path) -> None:
    result = run(["quickstart"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "164/164" in result.stdout
    rows = [json.loads(line) for line in
            (tmp_path / "fairclimb-quickstart" / "results.jsonl").read_text().splitlines()]
    hostile = [row for row in rows if row["note"].startswith("hostile")]
    assert hostile and not any(row["passed"] for row in hostile)
    assert all(row["passed"] for row in rows if row["note"].startswith("right"))
    assert (tmp_path / "fairclimb.db").exists()
    fast, _ = [json.loads(line) for line in
               (tmp_path / "fairclimb-quickstart" / "optimize" / "results.jsonl")
               .read_text().splitlines()]
    assert fast["passed"] and fast["speed_score"] > 0.7
    assert "optimize example fairclimb-optimize/window-sums" in result.stdout
    demo = tmp_path / "fairclimb-quickstart" / "arena-demo.db"
    assert demo.exists() and "fairclimb arena serve --db" in result.stdout
    debug = [json.loads(line) for line in (tmp_path / "fairclimb-quickstart" / "debug" /
                                           "results.jsonl").read_text().splitlines()]
    assert [row["passed"] for row in debug] == [False, True] * (len(debug) // 2)
    assert all(row["fix_distance"] == 0 for row in debug[::2])  # the bug handed back
    assert all(row["fix_distance"] > 0 for row in debug[1::2])
    assert "mean fix distance of passing answers" in result.stdout


@pytest.mark.parametrize("command", [["suites"], ["suites", "--json"], ["config"], ["--help"]])
def test_listing_commands(tmp_path: Path, command: list[str]) -> None:
    result = run(command, tmp_path)
    assert result.returncode == 0, result.stderr
    if "--json" in command:
        suites = {suite["name"]: suite for suite in json.loads(result.stdout)}
        assert suites["humaneval"]["size"] == 164
        assert suites["fairclimb-optimize"]["size"] >= 30
        assert suites["fairclimb-implement"]["splits"] == ["private", "public"]


def test_without_bubblewrap_the_warning_is_shown_and_recorded(tmp_path: Path) -> None:
    sample = {"task_id": "HumanEval/53", "completion": "    return x + y\n"}
    write(tmp_path / "s.jsonl", json.dumps(sample) + "\n")
    result = run(["eval", "--samples", "s.jsonl", "--out", "out", "--db", "s.db",
                  "--sandbox", "rlimits"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "the rlimits sandbox was chosen, so samples run with resource limits only" in (
        result.stdout)
    (record,) = json.loads(run(["runs", "--json", "--db", "s.db"], tmp_path).stdout)
    assert record["sandbox"] == "rlimits"
    assert "resource limits only" in record["sandbox_warning"]


def test_bad_environment_setting_is_one_line(tmp_path: Path) -> None:
    result = run(["eval", "--check-references"], tmp_path, FAIRCLIMB_WORKERS="many")
    assert result.returncode == 2
    assert "invalid setting 'workers'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_rerun_resumes(tmp_path: Path) -> None:
    # 200 x 0.1 s on two workers: ten seconds of work, so the signal lands mid-run
    # even on a busy machine.
    slow = "import time\ntime.sleep(0.1)\ndef add(x, y):\n    return x + y\n"
    rows = [{"task_id": "HumanEval/53", "solution": f"{slow}# {i}\n"} for i in range(200)]
    write(tmp_path / "s.jsonl", "".join(json.dumps(row) + "\n" for row in rows))
    args = [*FAIRCLIMB_WITH_DEFAULT_SIGINT, "eval", "--samples", "s.jsonl", "--out", "out",
            "--db", "s.db"]
    process = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    results = tmp_path / "out" / "results.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if results.exists() and len(results.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted; rerun the same command to resume" in stderr
    rerun = run(["eval", "--samples", "s.jsonl", "--out", "out", "--db", "s.db"], tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert len(results.read_text().splitlines()) == 200
