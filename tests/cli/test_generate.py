"""fairclimb generate as a user runs it, against the local fake OpenAI server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]
TASKS = 164


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "200"}, check=False)


def add_model(tmp_path: Path, base_url: str) -> None:
    added = run(["models", "add", "fake", "--base-url", base_url, "--model", "fake-coder",
                 "--db", "s.db"], tmp_path)
    assert added.returncode == 0, added.stderr


def test_generate_then_rerun_from_the_cache(tmp_path: Path, fake_openai: Any) -> None:
    add_model(tmp_path, fake_openai.base_url)
    args = ["generate", "--model", "fake", "--suite", "humaneval", "-n", "2", "--out", "gen",
            "--db", "s.db", "--seed", "1", "--json"]
    first = run(args, tmp_path)
    assert first.returncode == 0, first.stderr
    totals = json.loads(first.stdout)
    assert totals["calls"] == 2 * TASKS and totals["samples"] == 2 * TASKS
    assert fake_openai.calls == 2 * TASKS
    second = run(args[:-1], tmp_path)
    assert second.returncode == 0, second.stderr
    assert "0 calls" in second.stdout and f"{2 * TASKS} from the cache" in second.stdout
    assert fake_openai.calls == 2 * TASKS
    lines = (tmp_path / "gen" / "samples.jsonl").read_text().splitlines()
    assert len(lines) == 2 * TASKS


@pytest.mark.parametrize(("args", "message"), [
    (["--model", "nope"], "unknown model 'nope'; registered models: fake"),
    (["--model", "fake", "-n", "0"], "-n must be at least 1"),
    (["--model", "fake", "--suite", "nope"], "unknown suite 'nope'"),
])
def test_bad_input_is_one_line(tmp_path: Path, fake_openai: Any, args: list[str],
                               message: str) -> None:
    add_model(tmp_path, fake_openai.base_url)
    result = run(["generate", *args, "--out", "gen", "--db", "s.db"], tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "gen").exists()


@pytest.mark.slow
def test_kill_9_never_pays_twice(tmp_path: Path, fake_openai: Any) -> None:
    add_model(tmp_path, fake_openai.base_url)
    # Slow enough (164 calls x 0.1 s / 2 in flight = 8 s) that the kill lands mid-run
    # even when the machine is busy with other tests.
    fake_openai.set_delay(0.1)
    args = [*FAIRCLIMB, "generate", "--model", "fake", "-n", "1", "--out", "gen",
            "--db", "s.db", "--concurrency", "2"]
    process = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    samples = tmp_path / "gen" / "samples.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if samples.exists() and len(samples.read_text().splitlines()) >= 10:
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    paid = fake_openai.calls
    assert 10 <= paid < TASKS
    fake_openai.set_delay(0.0)
    rerun = run(args[len(FAIRCLIMB):], tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert len(samples.read_text().splitlines()) == TASKS
    hits = int(rerun.stdout.split(" from the cache")[0].rsplit(" ", 1)[1])
    assert hits >= 10
    assert fake_openai.calls - paid == TASKS - hits  # the rerun only asks for the rest
    assert paid - hits <= 2  # at most the calls in flight at the kill were lost


def test_eval_model_generates_checks_and_reruns_without_paying_twice(
    tmp_path: Path, fake_openai: Any
) -> None:
    from fake_openai import prompt_text

    from fairclimb.suites import get_suite

    tasks = get_suite("humaneval").tasks

    def reference_answer(request: dict[str, Any]) -> str:
        text = prompt_text(request)
        task = next(t for t in tasks if t.prompt.strip() in text)
        return f"Here it is:\n```python\n{task.prompt}{task.reference}```\n"

    fake_openai.set_responder(reference_answer)
    add_model(tmp_path, fake_openai.base_url)
    args = ["eval", "--model", "fake", "--suite", "humaneval", "-n", "2", "--out", "run",
            "--db", "s.db", "--json", "--temperature", "0"]
    first = run(args, tmp_path)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["samples"] == 2 * TASKS
    assert summary["statuses"]["passed"] == 2 * TASKS, summary["statuses"]
    assert summary["deduplicated"] == TASKS  # both answers to a prompt are one program
    assert fake_openai.calls == 2 * TASKS
    results = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    assert len(results) == 2 * TASKS
    assert all(json.loads(line)["provenance"]["model"] == "fake" for line in results)
    again = run(args, tmp_path)
    assert again.returncode == 0, again.stderr
    assert fake_openai.calls == 2 * TASKS  # every answer came from the cache
    assert json.loads(again.stdout)["statuses"]["passed"] == 2 * TASKS


def test_eval_model_with_an_unreachable_endpoint_leaves_no_run(tmp_path: Path) -> None:
    added = run(["models", "add", "gone", "--base-url", "http://127.0.0.1:9/v1", "--model",
                 "x", "--db", "s.db"], tmp_path)
    assert added.returncode == 0, added.stderr
    # Nothing listens on port 9: every attempt is refused at once, then backed off
    # (about 8 s of jittered waits in all).
    result = run(["eval", "--model", "gone", "--out", "run", "--db", "s.db",
                  "--concurrency", "1", "-n", "1"], tmp_path)
    assert result.returncode != 0
    assert "did not answer after" in result.stderr and "Traceback" not in result.stderr
    runs = json.loads(run(["runs", "--json", "--db", "s.db"], tmp_path).stdout)
    assert runs == []


def test_eval_model_on_a_debug_suite_built_into_the_store(tmp_path: Path,
                                                          fake_openai: Any) -> None:
    from fake_openai import prompt_text

    from fairclimb.store import Store, StoredSuite, SuiteRepository
    from fairclimb.suites import debug_task, get_suite, python_mutants, task_to_fields

    sources = [get_suite("humaneval").get(f"HumanEval/{i}") for i in (0, 13)]
    tasks = [debug_task(s, python_mutants(s.reference_program, s.entry_point)[0], 1, 0,
                        "mini-debug") for s in sources if s is not None]
    with Store.open(str(tmp_path / "s.db")) as store:
        SuiteRepository(store).put(StoredSuite("mini-debug", "two bugs", tasks[0].origin, {},
                                               [task_to_fields(t) for t in tasks]))

    def fixed_program(request: dict[str, Any]) -> str:
        text = prompt_text(request)
        task = next(t for t in tasks if t.buggy.strip() in text)
        assert "whole fixed program" in text
        return f"Fixed:\n```python\n{task.reference}```\n"

    fake_openai.set_responder(fixed_program)
    add_model(tmp_path, fake_openai.base_url)
    generated = run(["generate", "--model", "fake", "--suite", "mini-debug", "-n", "1",
                     "--out", "gen", "--db", "s.db"], tmp_path)
    assert generated.returncode == 0, generated.stderr
    lines = [json.loads(line) for line in (tmp_path / "gen" / "samples.jsonl").open()]
    assert [line["solution"] for line in lines] == [t.reference for t in tasks]
    evaluated = run(["eval", "--model", "fake", "--suite", "mini-debug", "-n", "1", "--out",
                     "run", "--db", "s.db", "--json"], tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    summary = json.loads(evaluated.stdout)
    assert summary["statuses"]["passed"] == 2 and summary["mean_fix_distance"] > 0
