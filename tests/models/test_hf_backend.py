"""The hf backend against a tiny random GPT-2 built here (nothing is downloaded)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tiny_hf import tiny_gpt2

from fairclimb.errors import UserInputError
from fairclimb.models import (
    ApiStyle,
    Completion,
    CompletionRequest,
    GenerationParams,
    Message,
    ModelSpec,
    open_backend,
    validate_spec,
)

torch = pytest.importorskip("torch", reason="the hf extra (torch) is not installed")
transformers = pytest.importorskip("transformers",
                                   reason="the hf extra (transformers) is not installed")
tokenizers = pytest.importorskip("tokenizers", reason="tokenizers is not installed")

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]
CORPUS = [
    "def add ( a , b ) : return a + b",
    "def sub ( a , b ) : return a - b",
    "user : write a function that adds two numbers",
    "assistant : here is the code",
    "for i in range ( n ) : print ( i )",
]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer GPT-2 with a word-level tokenizer, saved like any local checkpoint."""
    return tiny_gpt2(tmp_path_factory.mktemp("ckpt") / "tiny-gpt2", CORPUS, positions=2048)


def spec_for(path: Path, style: ApiStyle = ApiStyle.COMPLETION) -> ModelSpec:
    return ModelSpec(name="tiny", base_url="", model_id=str(path), backend="hf", style=style)


def complete(spec: ModelSpec, *requests: CompletionRequest) -> list[Completion]:
    async def go() -> list[Completion]:
        backend = open_backend(spec, environ={})
        try:
            return list(await asyncio.gather(*(backend.complete(r) for r in requests)))
        finally:
            await backend.aclose()

    return asyncio.run(go())


SAMPLED = GenerationParams(temperature=1.0, max_tokens=12, top_p=0.95, seed=7)


@pytest.mark.parametrize(("style", "request_"), [
    (ApiStyle.COMPLETION, CompletionRequest(SAMPLED, prompt="def add ( a , b ) :")),
    (ApiStyle.CHAT, CompletionRequest(SAMPLED, messages=(
        Message("system", "write code"), Message("user", "a function that adds")))),
])
def test_completion_and_chat(checkpoint: Path, style: ApiStyle,
                             request_: CompletionRequest) -> None:
    [answer] = complete(spec_for(checkpoint, style), request_)
    assert isinstance(answer.text, str)
    assert answer.prompt_tokens > 0 and 0 < answer.completion_tokens <= 12
    assert answer.finish_reason in ("stop", "length")
    assert answer.served_model == "tiny-gpt2" and answer.attempts == 1
    assert answer.latency_s > 0


def test_chat_without_template_is_plain_lines(checkpoint: Path) -> None:
    from fairclimb.models._backends.hf import chat_prompt

    tokenizer = transformers.AutoTokenizer.from_pretrained(checkpoint, local_files_only=True)
    assert not getattr(tokenizer, "chat_template", None)
    text = chat_prompt(tokenizer, (Message("system", "be brief"), Message("user", "hi")))
    assert text == "system: be brief\nuser: hi\nassistant:"


def test_same_seed_and_index_give_the_same_text(checkpoint: Path) -> None:
    def request(index: int) -> CompletionRequest:
        return CompletionRequest(SAMPLED, prompt="for i in", sample_index=index)

    first, again, _ = complete(spec_for(checkpoint), request(0), request(0), request(1))
    assert first.text == again.text and first.completion_tokens == again.completion_tokens
    greedy = GenerationParams(temperature=0.0, max_tokens=8)
    one, two = complete(spec_for(checkpoint), *[CompletionRequest(greedy, prompt="def")] * 2)
    assert one.text == two.text


@pytest.mark.parametrize("max_tokens", [1, 3, 9])
def test_max_tokens_is_respected(checkpoint: Path, max_tokens: int) -> None:
    params = GenerationParams(temperature=0.0, max_tokens=max_tokens)
    [answer] = complete(spec_for(checkpoint), CompletionRequest(params, prompt="def add"))
    assert answer.completion_tokens <= max_tokens
    if answer.completion_tokens == max_tokens and answer.finish_reason == "length":
        assert len(answer.text.split()) <= max_tokens


def test_stop_sequences_cut_the_text(checkpoint: Path) -> None:
    loose = GenerationParams(temperature=1.0, max_tokens=30, seed=3)
    [free] = complete(spec_for(checkpoint), CompletionRequest(loose, prompt="def"))
    words = free.text.split()
    if len(words) < 3:
        pytest.skip("the random model stopped too early to pick a stop sequence")
    stop = words[2]
    params = GenerationParams(temperature=1.0, max_tokens=30, seed=3, stop=(stop,))
    [cut] = complete(spec_for(checkpoint), CompletionRequest(params, prompt="def"))
    assert stop not in cut.text and cut.finish_reason == "stop"
    assert free.text.startswith(cut.text)


@pytest.mark.parametrize(("changes", "message"), [
    ({"model_id": "/no/such/checkpoint"}, "no Hugging Face checkpoint at /no/such/checkpoint"),
    ({"base_url": "http://h/v1"}, "takes no base URL"),
])
def test_validate_spec_for_hf(checkpoint: Path, changes: dict[str, str], message: str) -> None:
    fields = {"name": "tiny", "base_url": "", "model_id": str(checkpoint), "backend": "hf",
              **changes}
    with pytest.raises(UserInputError, match=message):
        validate_spec(ModelSpec(**fields))  # type: ignore[arg-type]
    assert validate_spec(spec_for(checkpoint)) == spec_for(checkpoint)


def test_missing_or_broken_checkpoint_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="no Hugging Face checkpoint at /no/such/dir"):
        open_backend(spec_for(Path("/no/such/dir")), environ={})
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(UserInputError, match=f"no Hugging Face checkpoint at {tmp_path}: "):
        open_backend(spec_for(tmp_path), environ={})


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "200"}, check=False)


@pytest.mark.slow
def test_cli_add_and_generate(checkpoint: Path, tmp_path: Path) -> None:
    added = run(["models", "add", "tiny", "--backend", "hf", "--model", str(checkpoint),
                 "--style", "completion", "--db", "s.db"], tmp_path)
    assert added.returncode == 0, added.stderr
    generated = run(["generate", "--model", "tiny", "-n", "1", "--max-tokens", "4",
                     "--seed", "1", "--out", "gen", "--db", "s.db", "--json"], tmp_path)
    assert generated.returncode == 0, generated.stderr
    totals = json.loads(generated.stdout)
    assert totals["calls"] == 164 and totals["samples"] == 164
    lines = (tmp_path / "gen" / "samples.jsonl").read_text().splitlines()
    assert len(lines) == 164
    provenance = json.loads(lines[0])["provenance"]
    assert provenance["endpoint"] == f"hf:{checkpoint}"


def test_missing_extra_is_one_sentence(checkpoint: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)  # import now raises ImportError
    hint = r"the hf backend needs the 'hf' extra: pip install 'fairclimb\[hf\]'"
    with pytest.raises(UserInputError, match=hint):
        open_backend(spec_for(checkpoint), environ={})
