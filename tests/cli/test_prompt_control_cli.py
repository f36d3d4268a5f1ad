"""A new user's afternoon, following only the README: their own 10-task file, their own
system prompt, a local OpenAI-protocol server (tests/fake_openai.py) as the model."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]
SYSTEM = "You are a careful engineer. Answer in one ```python block.\n"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "200"}, check=False)


def my_tasks(path: Path) -> None:
    """Ten tasks written in words, as the README's example line shows them."""
    path.write_text("".join(json.dumps({
        "id": f"mine/{k}", "prompt": f"Write add{k}(x) that returns x plus {k}.",
        "entry_point": f"add{k}",
        "tests": f"def check(candidate):\n    assert candidate(2) == {2 + k}\n",
        "reference": f"def add{k}(x):\n    return x + {k}\n"}) + "\n" for k in range(10)))


def adder(request: dict[str, Any]) -> str:
    """Answers the task named in the last message correctly."""
    match = re.search(r"add(\d+)\(x\)", request["messages"][-1]["content"])
    assert match is not None
    k = match.group(1)
    return f"Here you go:\n```python\ndef add{k}(x):\n    return x + {k}\n```\n"


def test_a_new_user_evaluates_their_own_tasks_with_their_own_system_prompt(
        tmp_path: Path, fake_openai: Any) -> None:
    my_tasks(tmp_path / "my-tasks.jsonl")
    (tmp_path / "system.txt").write_text(SYSTEM)
    fake_openai.set_responder(adder)
    steps = [
        ["models", "add", "local", "--base-url", fake_openai.base_url, "--model", "coder"],
        ["eval", "--tasks", "my-tasks.jsonl", "--check-references"],
        ["eval", "--model", "local", "--tasks", "my-tasks.jsonl", "-n", "5", "--system",
         "@system.txt", "--out", "runs/mine", "--json"],
    ]
    for step in steps:
        result = run(step, tmp_path)
        assert result.returncode == 0, (step, result.stderr)
    summary = json.loads(result.stdout)
    pass1 = next(p for p in summary["pass_at_k"] if p["k"] == 1)
    assert summary["tasks"] == 10 and pass1["estimate"] == 1.0, summary
    bodies = [r.body for r in fake_openai.received if r.body is not None]
    assert len(bodies) == 50
    for body in bodies:
        system, user = body["messages"]
        assert system == {"role": "system", "content": SYSTEM}
        k = re.search(r"add(\d+)", user["content"]).group(1)  # type: ignore[union-attr]
        # the request in words is sent as written, never fenced as a Python stub
        assert user["content"].startswith(f"Write add{k}(x) that returns x plus {k}.\n\n")
        assert "```python\nWrite" not in user["content"] and f"`add{k}`" in user["content"]
    lines = [json.loads(line) for line in (tmp_path / "runs/mine/samples.jsonl").open()]
    assert {line["provenance"]["params"]["prompt_template"] for line in lines} != {""}


def test_template_top_p_and_extra_body_are_sent_and_keyed(tmp_path: Path,
                                                        fake_openai: Any) -> None:
    my_tasks(tmp_path / "t.jsonl")
    fake_openai.set_responder(adder)
    (tmp_path / "ask.j2").write_text("Task {{ task_id }}: {{ prompt }} Name it {{ entry_point }}.")
    assert run(["models", "add", "local", "--base-url", fake_openai.base_url, "--model",
                "coder"], tmp_path).returncode == 0
    args = ["generate", "--model", "local", "--tasks", "t.jsonl", "--limit", "2", "-n", "1",
            "--template", "ask.j2", "--top-p", "0.5", "--extra-body",
            '{"top_k": 20, "chat_template_kwargs": {"enable_thinking": false}}', "--json"]
    first = run([*args, "--out", "a"], tmp_path)
    assert first.returncode == 0, first.stderr
    body = fake_openai.received[-1].body
    assert body["top_p"] == 0.5 and body["top_k"] == 20
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    assert body["messages"][-1]["content"] == (
        "Task mine/1: Write add1(x) that returns x plus 1. Name it add1.")
    again = run([*args, "--out", "b"], tmp_path)
    assert json.loads(again.stdout)["cache_hits"] == 2 and fake_openai.calls == 2
    (tmp_path / "ask.j2").write_text("{{ prompt }}")  # a changed template: no cached answer
    changed = run([*args, "--out", "c"], tmp_path)
    assert json.loads(changed.stdout)["calls"] == 2 and fake_openai.calls == 4
    raw = run([*args[:9], "--raw", "--out", "d"], tmp_path)
    assert raw.returncode == 0, raw.stderr
    assert fake_openai.received[-1].body["messages"] == [
        {"role": "user", "content": "Write add1(x) that returns x plus 1."}]


def test_bad_prompt_options_are_one_sentence(tmp_path: Path, fake_openai: Any) -> None:
    my_tasks(tmp_path / "t.jsonl")
    (tmp_path / "bad.j2").write_text("{{ nope }}")
    assert run(["models", "add", "local", "--base-url", fake_openai.base_url, "--model",
                "coder"], tmp_path).returncode == 0
    for extra, message in [(["--extra-body", "[1]"], "--extra-body must be a JSON object"),
                           (["--extra-body", "{"], "--extra-body is not valid JSON"),
                           (["--template", "bad.j2"], "'nope' is undefined"),
                           (["--system", "@missing.txt"], "--system: cannot read"),
                           (["--raw", "--template", "bad.j2"], "give --raw or --template")]:
        result = run(["generate", "--model", "local", "--tasks", "t.jsonl", "--out", "o",
                      *extra], tmp_path)
        assert result.returncode == 2, (extra, result.stderr)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "o").exists()
    assert fake_openai.calls == 0


def numbered(request: dict[str, Any]) -> str:
    """A right answer that says which choice of the call it was, so answers differ."""
    match = re.search(r"add(\d+)\(x\)", request["messages"][-1]["content"])
    assert match is not None
    k = match.group(1)
    return (f"```python\ndef add{k}(x):\n    return x + {k}  # choice "
            f"{request.get('choice', 0)}\n```\n")


def test_n_per_request_asks_once_per_task_and_resumes_without_paying(
        tmp_path: Path, fake_openai: Any) -> None:
    my_tasks(tmp_path / "my-tasks.jsonl")
    fake_openai.set_responder(numbered)
    assert run(["models", "add", "local", "--base-url", fake_openai.base_url, "--model",
                "coder"], tmp_path).returncode == 0
    generate = ["generate", "--model", "local", "--tasks", "my-tasks.jsonl", "--limit", "3",
                "-n", "4", "--n-per-request", "4", "--out", "gen", "--json"]
    result = run(generate, tmp_path)
    assert result.returncode == 0, result.stderr
    bodies = [r.body for r in fake_openai.received if r.body is not None]
    assert len(bodies) == 3 and all(b["n"] == 4 for b in bodies)
    rows = [json.loads(line) for line in (tmp_path / "gen" / "samples.jsonl").open()]
    assert len(rows) == 12 and len({r["solution"] for r in rows}) == 12
    assert json.loads(result.stdout)["calls"] == 3
    again = run(generate, tmp_path)
    assert again.returncode == 0 and json.loads(again.stdout)["calls"] == 0
    # An endpoint that ignores n: the rest of each task's samples are asked for again.
    fake_openai.reset()
    fake_openai.set_responder(numbered)
    fake_openai.set_max_n(1)
    ignored = run([*generate[:-3], "--out", "gen1", "--seed", "1", "--json"], tmp_path)
    assert ignored.returncode == 0, ignored.stderr
    assert json.loads(ignored.stdout)["samples"] == 12
    assert json.loads(ignored.stdout)["calls"] == 12


def test_n_per_request_names_what_it_needs(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    assert run(["models", "add", "local-hf", "--backend", "hf", "--model", str(tiny)],
               tmp_path).returncode == 0
    result = run(["generate", "--model", "local-hf", "--out", "g", "--n-per-request", "2"],
                 tmp_path)
    assert result.returncode != 0
    assert "--n-per-request needs an OpenAI-compatible endpoint" in result.stderr
    assert not (tmp_path / "g").exists()
