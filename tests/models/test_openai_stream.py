"""Streamed completions (``stream: true``) from the OpenAI-compatible backend, against the
local server speaking the real server-sent-events protocol."""

from __future__ import annotations

import asyncio
import dataclasses
import random

import pytest
from fake_openai import FakeOpenAI

from fairclimb.errors import ProviderError
from fairclimb.models import (
    ApiStyle,
    Completion,
    CompletionRequest,
    GenerationParams,
    Message,
    ModelSpec,
    OpenAIBackend,
    RetryPolicy,
    StreamingBackend,
)

PARAMS = GenerationParams(temperature=0.2, max_tokens=64, seed=7)
CHAT = CompletionRequest(PARAMS, messages=(Message("user", "Write def add(x, y): ..."),))
PLAIN = CompletionRequest(PARAMS, prompt="def fib(n):\n")


async def _no_sleep(seconds: float) -> None:
    return None


def _backend(server: FakeOpenAI, style: ApiStyle = ApiStyle.CHAT) -> OpenAIBackend:
    spec = ModelSpec(name="fake", base_url=server.base_url, model_id="fake-coder", style=style)
    return OpenAIBackend(spec, api_key=None,
                         retry=RetryPolicy(rng=random.Random(0), sleep=_no_sleep))


def _run(server: FakeOpenAI, request: CompletionRequest, style: ApiStyle = ApiStyle.CHAT,
         stream: bool = True) -> tuple[Completion, list[str]]:
    pieces: list[str] = []

    async def go() -> Completion:
        backend = _backend(server, style)
        try:
            if stream:
                return await backend.stream(request, pieces.append)
            return await backend.complete(request)
        finally:
            await backend.aclose()
    return asyncio.run(go()), pieces


@pytest.mark.parametrize(("style", "request_"), [(ApiStyle.CHAT, CHAT),
                                                 (ApiStyle.COMPLETION, PLAIN)])
def test_a_stream_is_the_same_completion_as_a_whole_answer(
        fake_openai: FakeOpenAI, style: ApiStyle, request_: CompletionRequest) -> None:
    assert isinstance(_backend(fake_openai, style), StreamingBackend)
    whole, _ = _run(fake_openai, request_, style, stream=False)
    streamed, pieces = _run(fake_openai, request_, style)
    assert len(pieces) > 3 and "".join(pieces) == streamed.text
    # what a cache stores is the same whichever way the answer travelled
    ignore: dict[str, object] = {"latency_s": 0.0, "response_id": None}  # per call
    assert dataclasses.replace(streamed, **ignore) == dataclasses.replace(whole, **ignore)
    body = fake_openai.received[-1].body
    assert body is not None and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_failures_before_the_first_piece_are_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail_next("500")
    fake_openai.fail_next("429", retry_after="0")
    completion, pieces = _run(fake_openai, CHAT)
    assert completion.attempts == 3 and "".join(pieces) == completion.text
    assert fake_openai.calls == 3


def test_a_stream_broken_after_a_piece_is_not_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.break_stream_next()
    with pytest.raises(ProviderError, match="broke off its answer"):
        _run(fake_openai, CHAT)
    assert fake_openai.calls == 1  # a retry would show the rater the first words twice


def test_pieces_arrive_before_the_answer_is_whole(fake_openai: FakeOpenAI) -> None:
    fake_openai.set_chunk_delay(0.2)
    seen: list[tuple[str, float]] = []

    async def go() -> float:
        loop = asyncio.get_running_loop()
        backend = _backend(fake_openai)
        try:
            await backend.stream(CHAT, lambda piece: seen.append((piece, loop.time())))
        finally:
            await backend.aclose()
        return loop.time()

    finished = asyncio.run(go())
    assert finished - seen[0][1] > 0.5  # the first word well before the last
