"""The mock model backend: deterministic answers for users' own tests, no network."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairclimb.errors import ProviderError, UserInputError
from fairclimb.models import (
    CompletionRequest,
    GenerationParams,
    Message,
    ModelSpec,
    RetryPolicy,
    open_backend,
    validate_spec,
)

RIGHT = "```python\ndef add(x: int, y: int) -> int:\n    return x + y\n```"
WRONG = "```python\ndef add(x: int, y: int) -> int:\n    return x - y\n```"


def ask(spec: ModelSpec, prompt: str, seed: int | None = None, index: int = 0) -> str:
    backend = open_backend(spec, {}, RetryPolicy())
    request = CompletionRequest(GenerationParams(seed=seed), (Message("user", prompt),),
                                sample_index=index)

    async def once() -> str:
        try:
            return (await backend.complete(request)).text
        finally:
            await backend.aclose()

    return asyncio.run(once())


def mock(tmp_path: Path, answers: object, suffix: str = ".json") -> ModelSpec:
    path = tmp_path / f"answers{suffix}"
    if suffix == ".jsonl":
        assert isinstance(answers, list)
        path.write_text("".join(json.dumps(row) + "\n" for row in answers))
    else:
        path.write_text(json.dumps(answers))
    return validate_spec(ModelSpec("m", "", str(path), backend="mock"))


def test_echo_answers_the_prompt() -> None:
    spec = validate_spec(ModelSpec("m", "", "echo", backend="mock"))
    assert ask(spec, "say this") == "say this"
    assert spec.endpoint == "mock:echo"


@pytest.mark.parametrize(("prompt", "expected"), [
    ("exactly this", "the whole prompt"),
    ("... def add(x, y) and def add_three(a, b, c) ...", "the longer key"),
    ("... def add(x, y) ...", "the shorter key"),
    ("nothing known", "the fallback"),
])
def test_the_whole_prompt_then_the_longest_key_then_the_fallback(
        tmp_path: Path, prompt: str, expected: str) -> None:
    spec = mock(tmp_path, {"exactly this": "the whole prompt", "def add(": "the shorter key",
                           "def add_three(": "the longer key", "*": "the fallback"})
    assert ask(spec, prompt) == expected


def test_jsonl_lines_with_one_key_are_that_keys_answers(tmp_path: Path) -> None:
    spec = mock(tmp_path, [{"prompt": "add", "completion": RIGHT},
                           {"prompt": "add", "completion": WRONG}], ".jsonl")
    drawn = {ask(spec, "def add(x, y)", seed=7, index=i) for i in range(40)}
    assert drawn == {RIGHT, WRONG}


def test_draws_are_seeded_by_the_request_alone(tmp_path: Path) -> None:
    spec = mock(tmp_path, {"q": [str(i) for i in range(50)]})
    first = [ask(spec, "q", seed=1, index=i) for i in range(8)]
    assert first == [ask(spec, "q", seed=1, index=i) for i in range(8)]
    assert first != [ask(spec, "q", seed=2, index=i) for i in range(8)]
    assert len(set(first)) > 1


def test_a_prompt_nothing_matches_fails_loudly(tmp_path: Path) -> None:
    spec = mock(tmp_path, {"known": "x"})
    with pytest.raises(ProviderError, match="has no answer for the prompt 'something else'"):
        ask(spec, "something   else")


@pytest.mark.parametrize(("content", "message"), [
    (None, "is not a file"),
    ("[1, 2]", "expected a JSON object"),
    ('{"k": 3}', "is not a string or a list of strings"),
    ("{oops", "cannot be read"),
])
def test_unreadable_answers_are_refused_when_registered(
        tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "answers.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UserInputError, match=message):
        validate_spec(ModelSpec("m", "", str(path), backend="mock"))


def test_a_base_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="takes no base URL"):
        validate_spec(ModelSpec("m", "http://x/v1", "echo", backend="mock"))


def test_the_mock_drives_generate_and_eval_from_the_cli(tmp_path: Path) -> None:
    """What docs/extending.md shows: register, generate, evaluate; all offline."""
    (tmp_path / "answers.json").write_text(json.dumps({"def add(x: int, y: int)": [RIGHT,
                                                                                    WRONG]}))

    def cli(*args: str, db: str = "s.db") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "fairclimb", *args, "--db", db],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300,
                              check=False, env={**os.environ, "COLUMNS": "200"})

    samples = []
    for out, db in (("first", "s.db"), ("second", "other.db")):  # no shared cache
        added = cli("models", "add", "fake", "--backend", "mock", "--model", "answers.json",
                    db=db)
        assert added.returncode == 0, added.stderr
        made = cli("generate", "--model", "fake", "--task-ids", "HumanEval/53", "-n", "6",
                   "--seed", "3", "--out", out, db=db)
        assert made.returncode == 0, made.stderr
        rows = [json.loads(line) for line in
                (tmp_path / out / "samples.jsonl").read_text().splitlines()]
        samples.append([row.get("completion") or row["solution"] for row in rows])
    assert samples[0] == samples[1] and len(samples[0]) == 6
    assert len(set(samples[0])) == 2  # seed 3 draws both answers
    judged = cli("eval", "--samples", "first/samples.jsonl", "--out", "judged", "--json")
    assert judged.returncode == 0, judged.stderr
    statuses = json.loads(judged.stdout)["statuses"]
    assert statuses.get("passed", 0) == sum("x + y" in text for text in samples[0])
