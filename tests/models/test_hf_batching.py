"""The hf backend answers requests in flight together (left padding, one forward pass
for several prompts) and gives each the answer it would get alone; --device is obeyed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from tiny_hf import tiny_gpt2

from fairclimb.errors import UserInputError
from fairclimb.models import (
    ApiStyle,
    Completion,
    CompletionRequest,
    Device,
    GenerationParams,
    LocalOptions,
    ModelSpec,
    open_backend,
)

torch = pytest.importorskip("torch", reason="the hf extra (torch) is not installed")
transformers = pytest.importorskip("transformers",
                                   reason="the hf extra (transformers) is not installed")
pytest.importorskip("tokenizers", reason="tokenizers is not installed")

CORPUS = [
    "def add ( a , b ) : return a + b",
    "def sub ( a , b ) : return a - b",
    "for i in range ( n ) : print ( i )",
    "while x < 10 : x = x * 2",
    "if a > b : return a else : return b",
]
PROMPTS = [  # lengths differ, so rows are padded differently
    "def", "def add ( a , b ) :", "for i in range", "while x < 10 : x = x",
    "if a > b : return a", "return", "def sub ( a", "print ( i ) for",
    "x = x * 2", "a + b", "range ( n ) : print", "def add",
]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer GPT-2 with a word-level tokenizer, saved like any local checkpoint."""
    return tiny_gpt2(tmp_path_factory.mktemp("ckpt") / "tiny-gpt2", CORPUS, layers=2,
                     width=64, seed=1)


def spec_for(path: Path) -> ModelSpec:
    return ModelSpec(name="tiny", base_url="", model_id=str(path), backend="hf",
                     style=ApiStyle.COMPLETION)


def answer_all(path: Path, requests: list[CompletionRequest], batch_size: int,
               *, together: bool = True) -> tuple[list[Completion], list[int], float]:
    """Answers, the batch sizes the backend used, and the seconds it took."""

    async def go() -> tuple[list[Completion], list[int], float]:
        backend: Any = open_backend(spec_for(path), environ={},
                                    local=LocalOptions(Device.CPU, batch_size))
        try:
            started = time.perf_counter()
            if together:
                answers = list(await asyncio.gather(*(backend.complete(r) for r in requests)))
            else:
                answers = [await backend.complete(r) for r in requests]
            return answers, list(backend.batches), time.perf_counter() - started
        finally:
            await backend.aclose()

    return asyncio.run(go())


def requests_with(params: GenerationParams) -> list[CompletionRequest]:
    return [CompletionRequest(params, prompt=p, sample_index=i % 3)
            for i, p in enumerate(PROMPTS)]


@pytest.mark.parametrize("params", [
    GenerationParams(temperature=0.0, max_tokens=12),
    GenerationParams(temperature=0.0, max_tokens=20, stop=(":", "return")),
    GenerationParams(temperature=0.9, max_tokens=16, top_p=0.9, seed=11),
    GenerationParams(temperature=1.0, max_tokens=16, top_p=1.0, seed=3, stop=("(",)),
], ids=["greedy", "greedy-stop", "seeded-top-p", "seeded-stop"])
def test_batched_answers_equal_answers_alone(checkpoint: Path,
                                             params: GenerationParams) -> None:
    alone, alone_batches, _ = answer_all(checkpoint, requests_with(params), 1, together=False)
    batched, batches, _ = answer_all(checkpoint, requests_with(params), 8)
    assert alone_batches == [1] * len(PROMPTS)
    assert max(batches) > 1 and sum(batches) == len(PROMPTS)  # it really batched
    assert [a.text for a in batched] == [a.text for a in alone]
    assert [a.finish_reason for a in batched] == [a.finish_reason for a in alone]
    assert [a.completion_tokens for a in batched] == [a.completion_tokens for a in alone]
    assert [a.prompt_tokens for a in batched] == [a.prompt_tokens for a in alone]
    assert any(a.text for a in batched)
    for answer in batched:
        assert 0 < answer.completion_tokens <= params.max_tokens
        assert not any(s in answer.text for s in params.stop)


def test_requests_with_other_parameters_are_not_mixed(checkpoint: Path) -> None:
    short = GenerationParams(temperature=0.0, max_tokens=2)
    long = GenerationParams(temperature=0.0, max_tokens=10)
    mixed = [CompletionRequest(short if i % 2 else long, prompt=p)
             for i, p in enumerate(PROMPTS)]
    answers, batches, _ = answer_all(checkpoint, mixed, 8)
    assert sorted(batches) == [6, 6]
    for request, answer in zip(mixed, answers, strict=True):
        assert answer.completion_tokens <= request.params.max_tokens


def count_forward_passes(path: Path, requests: list[CompletionRequest],
                         batch_size: int) -> int:
    async def go() -> int:
        backend: Any = open_backend(spec_for(path), environ={},
                                    local=LocalOptions(Device.CPU, batch_size))
        passes = [0]
        backend._model.register_forward_hook(lambda *_: passes.__setitem__(0, passes[0] + 1))
        try:
            await asyncio.gather(*(backend.complete(r) for r in requests))
            return passes[0]
        finally:
            await backend.aclose()

    return asyncio.run(go())


def test_a_batch_is_one_forward_pass_per_token(checkpoint: Path) -> None:
    requests = requests_with(GenerationParams(temperature=0.0, max_tokens=10)) * 2
    alone = count_forward_passes(checkpoint, requests, 1)
    batched = count_forward_passes(checkpoint, requests, 8)
    assert batched * 8 <= alone + 8 * 3  # three batches, each at most 10 passes


@pytest.mark.slow
def test_batches_are_faster_per_sample(checkpoint: Path) -> None:
    """Wall time on a shared machine is noisy: the best of three interleaved tries, on
    one thread (two intra-op threads on two busy cores mostly wait for each other)."""
    requests = requests_with(GenerationParams(temperature=0.0, max_tokens=24)) * 2
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        answer_all(checkpoint, requests[:2], 1)  # warm up
        alone, batched = [], []
        for _ in range(3):
            alone.append(answer_all(checkpoint, requests, 1)[2])
            batched.append(answer_all(checkpoint, requests, 8)[2])
    finally:
        torch.set_num_threads(threads)
    assert min(batched) < min(alone) * 0.6, f"batched {batched}, alone {alone}"


def test_generation_runs_send_their_requests_in_flight_as_batches(
        checkpoint: Path, tmp_path: Path) -> None:
    from fairclimb.evaluate import plan_generation, run_generation
    from fairclimb.store import Store

    spec = spec_for(checkpoint)
    params = GenerationParams(temperature=0.0, max_tokens=6)
    with Store.open(str(tmp_path / "s.db")) as store:
        backend: Any = open_backend(spec, {}, local=LocalOptions(Device.CPU, 4))
        plan = plan_generation(spec, "fairclimb-implement", 1, params, 8, tmp_path / "gen")
        outcome = run_generation(plan, store, backend)
        assert outcome.calls == len(plan.suite.tasks)
        assert max(backend.batches) == 4 and sum(backend.batches) == outcome.calls
        again = run_generation(plan, store, open_backend(spec, {}))
        assert again.calls == 0 and again.cache_hits == outcome.calls  # device-independent


def test_cpu_is_obeyed_and_absent_cuda_is_one_sentence(checkpoint: Path) -> None:
    backend: Any = open_backend(spec_for(checkpoint), {}, local=LocalOptions(Device.CPU))
    assert backend.device == "cpu"
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(UserInputError, match=r"^--device cuda was asked for, but torch sees "
                                             r"no CUDA GPU on this machine; use --device cpu"):
        open_backend(spec_for(checkpoint), {}, local=LocalOptions(Device.CUDA))


def test_batch_size_below_one_is_refused(checkpoint: Path) -> None:
    with pytest.raises(UserInputError, match="--batch-size must be at least 1, not 0"):
        open_backend(spec_for(checkpoint), {}, local=LocalOptions(Device.CPU, 0))
