"""The OpenAI-compatible backend against a real local HTTP server."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI

from fairclimb.errors import ProviderError, UserInputError
from fairclimb.models import (
    ApiStyle,
    Completion,
    CompletionRequest,
    GenerationParams,
    Message,
    ModelSpec,
    OpenAIBackend,
    RetryPolicy,
    open_backend,
)
from fairclimb.models._retry import parse_retry_after
from fairclimb.store import Store

SECRET = "sk-test-9f8e7d6c5b4a-DO-NOT-LEAK"
PARAMS = GenerationParams(temperature=0.2, max_tokens=64, top_p=0.9, seed=7, stop=("\nclass",))
CHAT = CompletionRequest(PARAMS, messages=(Message("user", "Write def add(x, y): ..."),),
                         sample_index=3)
PLAIN = CompletionRequest(PARAMS, prompt="def fib(n):\n", sample_index=1)


class Sleeps:
    """A fake sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def spec_for(server: FakeOpenAI, style: ApiStyle = ApiStyle.CHAT, **changes: str) -> ModelSpec:
    fields = {"name": "fake", "base_url": server.base_url, "model_id": "fake-coder",
              "style": style, **changes}
    return ModelSpec(**fields)  # type: ignore[arg-type]


def policy(sleeps: Sleeps, **changes: float) -> RetryPolicy:
    return RetryPolicy(rng=random.Random(0), sleep=sleeps, **changes)  # type: ignore[arg-type]


def complete(backend: OpenAIBackend, request: CompletionRequest) -> Completion:
    async def go() -> Completion:
        try:
            return await backend.complete(request)
        finally:
            await backend.aclose()
    return asyncio.run(go())


def backend_for(server: FakeOpenAI, sleeps: Sleeps, style: ApiStyle = ApiStyle.CHAT,
                **changes: float) -> OpenAIBackend:
    return OpenAIBackend(spec_for(server, style), api_key=None, retry=policy(sleeps, **changes))


def test_chat_request_shape_and_completion_fields(fake_openai: FakeOpenAI) -> None:
    result = complete(backend_for(fake_openai, Sleeps()), CHAT)
    (received,) = fake_openai.received
    assert received.path == "/v1/chat/completions"
    assert received.body == {
        "model": "fake-coder", "temperature": 0.2, "max_tokens": 64, "top_p": 0.9,
        "seed": 10, "stop": ["\nclass"],
        "messages": [{"role": "user", "content": "Write def add(x, y): ..."}],
    }
    assert "def add(" in result.text and result.finish_reason == "stop"
    assert result.response_id is not None and result.response_id.startswith("cmpl-")
    assert result.system_fingerprint == "fp_fake" and result.served_model == "fake-coder"
    assert result.prompt_tokens > 0 and result.completion_tokens > 0
    assert result.attempts == 1 and result.latency_s > 0


def test_completion_request_shape(fake_openai: FakeOpenAI) -> None:
    result = complete(backend_for(fake_openai, Sleeps(), ApiStyle.COMPLETION), PLAIN)
    (received,) = fake_openai.received
    assert received.path == "/v1/completions"
    assert received.body is not None
    assert received.body["prompt"] == "def fib(n):\n" and "messages" not in received.body
    assert received.body["seed"] == 8 and received.body["model"] == "fake-coder"
    assert "def fib(" in result.text
    assert fake_openai.calls_by_path == {"/v1/completions": 1}


def test_no_seed_sends_no_seed(fake_openai: FakeOpenAI) -> None:
    complete(backend_for(fake_openai, Sleeps()), CompletionRequest(
        GenerationParams(), messages=(Message("user", "hi"),)))
    assert fake_openai.received[0].body is not None
    assert "seed" not in fake_openai.received[0].body
    assert "stop" not in fake_openai.received[0].body


def test_429_retry_after_is_honoured(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail_next("429", 2, retry_after="3")
    sleeps = Sleeps()
    result = complete(backend_for(fake_openai, sleeps), CHAT)
    assert sleeps.delays == [3.0, 3.0]
    assert result.attempts == 3 and fake_openai.calls == 3


def test_retry_after_is_capped(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail_next("429", 1, retry_after="3600")
    sleeps = Sleeps()
    complete(backend_for(fake_openai, sleeps, max_delay_s=30), CHAT)
    assert sleeps.delays == [30]


def test_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=12), usegmt=True),
                             now) == 12
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True),
                             now) == 0


@pytest.mark.parametrize("kind", ["500", "malformed", "no_choices", "429"])
def test_failure_then_success_uses_jittered_backoff(fake_openai: FakeOpenAI, kind: str) -> None:
    fake_openai.fail_next(kind, 3)
    sleeps = Sleeps()
    result = complete(backend_for(fake_openai, sleeps, base_delay_s=1.0), CHAT)
    assert result.attempts == 4 and fake_openai.calls == 4
    expected_rng = random.Random(0)
    assert sleeps.delays == [expected_rng.uniform(0, cap) for cap in (1.0, 2.0, 4.0)]


def test_full_jitter_stays_under_the_cap() -> None:
    retry = RetryPolicy(base_delay_s=0.5, max_delay_s=4, rng=random.Random(1))
    for attempt in range(1, 12):
        assert 0 <= retry.delay(attempt) <= min(4, 0.5 * 2 ** (attempt - 1))


def test_exhausted_retries_raise_a_clear_provider_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail_next("500", 10)
    sleeps = Sleeps()
    with pytest.raises(ProviderError) as caught:
        complete(backend_for(fake_openai, sleeps), CHAT)
    assert str(caught.value).startswith(
        f"model fake at {fake_openai.base_url} did not answer after 6 attempts: HTTP 500")
    assert fake_openai.calls == 6 and len(sleeps.delays) == 5


def test_slow_server_times_out_and_is_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.set_delay(1.0)
    with pytest.raises(ProviderError, match=r"after 2 attempts: no answer within 0.2s"):
        complete(backend_for(fake_openai, Sleeps(), attempts=2, timeout_s=0.2), CHAT)


def test_unreachable_endpoint(fake_openai: FakeOpenAI) -> None:
    spec = ModelSpec(name="gone", base_url="http://127.0.0.1:9/v1", model_id="m")
    backend = OpenAIBackend(spec, api_key=None, retry=policy(Sleeps(), attempts=3))
    with pytest.raises(ProviderError, match=r"gone at http://127.0.0.1:9/v1 did not answer "
                                            r"after 3 attempts: cannot connect"):
        complete(backend, CHAT)


def test_wrong_key_is_final_and_says_which_variable(fake_openai: FakeOpenAI) -> None:
    fake_openai.require_api_key("right")
    backend = OpenAIBackend(spec_for(fake_openai, api_key_env="FAKE_KEY"), api_key=SECRET,
                            retry=policy(Sleeps()))
    with pytest.raises(ProviderError, match=r"HTTP 401.*check the key in \$FAKE_KEY") as caught:
        complete(backend, CHAT)
    assert fake_openai.calls == 1 and SECRET not in str(caught.value)


def test_open_backend_reads_the_key_from_the_given_environ(fake_openai: FakeOpenAI) -> None:
    fake_openai.require_api_key(SECRET)
    spec = spec_for(fake_openai, api_key_env="FAKE_KEY")
    backend = open_backend(spec, {"FAKE_KEY": SECRET}, policy(Sleeps()))
    assert isinstance(backend, OpenAIBackend)
    assert complete(backend, CHAT).text
    assert fake_openai.received[0].headers["authorization"] == f"Bearer {SECRET}"


@pytest.mark.parametrize("environ", [{}, {"FAKE_KEY": ""}])
def test_missing_key_variable_is_one_clear_sentence(environ: dict[str, str]) -> None:
    spec = ModelSpec(name="m", base_url="http://h/v1", model_id="id", api_key_env="FAKE_KEY")
    with pytest.raises(UserInputError, match="the API key variable FAKE_KEY is not set; export"):
        open_backend(spec, environ)


def test_unknown_backend_is_user_error() -> None:
    spec = ModelSpec(name="m", base_url="", model_id="/ckpt", backend="nope")
    with pytest.raises(UserInputError, match=r"backend 'nope'.*known backends: hf, mock, openai"):
        open_backend(spec, {})


def test_secret_never_logged_nor_stored(
    fake_openai: FakeOpenAI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake_openai.require_api_key(SECRET)
    fake_openai.fail_next("429", 1, retry_after="0")
    fake_openai.fail_next("500", 1)
    fake_openai.fail_next("malformed", 1)
    spec = spec_for(fake_openai, api_key_env="FAKE_KEY")
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "store.db"
    with Store.open(str(db)) as store:
        store.add_model(spec)
        stored = store.get_model("fake")
        assert stored is not None
        backend = open_backend(stored, {"FAKE_KEY": SECRET}, policy(Sleeps()))
        result = complete(backend, CHAT)
        store.put_generation(CHAT.cache_key(stored), stored.name, {"body": "x"},
                             {"text": result.text, "repr": repr(backend)})
    # A refused key: the error text must not carry it either.
    fake_openai.require_api_key("other")
    with pytest.raises(ProviderError) as caught:
        complete(open_backend(spec, {"FAKE_KEY": SECRET}, policy(Sleeps())), CHAT)
    assert result.attempts == 4
    assert caplog.records, "the backend logged nothing at DEBUG"
    assert SECRET not in caplog.text and SECRET not in str(caught.value)
    for path in tmp_path.iterdir():  # the database and its WAL files
        assert SECRET.encode() not in path.read_bytes()


def test_a_given_client_is_used_and_left_open(fake_openai: FakeOpenAI) -> None:
    import aiohttp

    async def go() -> bool:
        async with aiohttp.ClientSession() as client:
            backend = OpenAIBackend(spec_for(fake_openai), api_key=None,
                                    retry=policy(Sleeps()), client=client)
            await backend.complete(CHAT)
            await backend.aclose()
            return client.closed

    assert asyncio.run(go()) is False and fake_openai.calls == 1


def test_a_dead_endpoint_logs_one_warning_a_minute_not_one_per_attempt(
    fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    """20 requests x 6 attempts against a failing server once gave 100 warning lines."""
    fake_openai.fail_next("500", 1000)
    backend = backend_for(fake_openai, Sleeps())
    caplog.set_level(logging.WARNING)

    async def go() -> list[BaseException | Completion]:
        try:
            return await asyncio.gather(*(backend.complete(CHAT) for _ in range(20)),
                                        return_exceptions=True)
        finally:
            await backend.aclose()

    results = asyncio.run(go())
    assert all(isinstance(result, ProviderError) for result in results)
    assert fake_openai.calls == 120
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, caplog.text
    assert "HTTP 500" in warnings[0].getMessage()
