"""Any OpenAI-compatible HTTP endpoint (vLLM, Ollama, llama.cpp server, OpenAI, LiteLLM…).

Chat models get ``POST {base_url}/chat/completions``, completion models
``POST {base_url}/completions``. 429, 5xx, timeouts, connection failures and answers
that are not the expected JSON are retried under the :class:`RetryPolicy`; other
4xx answers are final. The API key travels only in the Authorization header and is
scrubbed from every message this module writes.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from fairclimb.errors import ProviderError, UserInputError
from fairclimb.models._retry import (
    RETRYABLE_STATUS,
    RetryLog,
    RetryPolicy,
    parse_retry_after,
)
from fairclimb.models._stream import StreamState, TextSink
from fairclimb.models._types import (
    ApiStyle,
    Completion,
    CompletionRequest,
    LocalOptions,
    ModelSpec,
)

__all__ = ["OpenAIBackend", "create"]

logger = logging.getLogger(__name__)

# aiohttp's C HTTP parser and its pool (constant work per request) keep the client's
# CPU per request small; httpx/httpcore cost about 5x as much (benchmarks/
# generate_overhead.py). At most this many connections are open at once.
_CONNECTIONS = 256
_T = TypeVar("_T")
_SHOWN_BODY = 300
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")


class _Retryable(Exception):
    """One failed attempt that a later attempt may not meet."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class OpenAIBackend:
    """A :class:`~fairclimb.models.ModelBackend` for an OpenAI-compatible endpoint.

    Pass ``client`` to share one :class:`aiohttp.ClientSession` (it is then not closed
    by :meth:`aclose`); otherwise the backend opens its own on first use, in the running
    event loop, and :meth:`aclose` closes it.
    """

    def __init__(
        self,
        spec: ModelSpec,
        *,
        api_key: str | None,
        retry: RetryPolicy,
        client: aiohttp.ClientSession | None = None,
    ) -> None:
        self.spec = spec
        self.retry = retry
        self._secret = api_key or None
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        path = "chat/completions" if spec.style is ApiStyle.CHAT else "completions"
        self._url = f"{spec.base_url.rstrip('/')}/{path}"
        # Each phase (waiting for a pooled connection and connecting; each read) is
        # bounded, not the whole exchange, as with httpx before.
        self._timeout = aiohttp.ClientTimeout(total=None, connect=retry.timeout_s,
                                              sock_read=retry.timeout_s)
        # The proxy the environment names (HTTPS_PROXY, NO_PROXY…), read once here: aiohttp's
        # trust_env would look it up again, in a worker thread, for every request.
        try:
            self._proxy: URL | None
            self._proxy, self._proxy_auth = get_env_proxy_for_url(URL(self._url))
        except LookupError:
            self._proxy, self._proxy_auth = None, None
        self._owns_client = client is None
        self._client = client
        self._retry_log = RetryLog(spec.name, logger)

    def __repr__(self) -> str:  # never show the headers
        return f"OpenAIBackend(name={self.spec.name!r}, url={self._url!r})"

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.close()

    def _session(self) -> aiohttp.ClientSession:
        if self._client is None:  # a session belongs to the loop it is opened in
            self._client = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=_CONNECTIONS), timeout=self._timeout)
        return self._client

    async def complete(self, request: CompletionRequest) -> Completion:
        body = self._body(request_body(self.spec, request))

        async def one(attempt: int, started: float) -> Completion:
            data = await self._post(body, self._url)
            return parse_completion(self.spec, data, time.perf_counter() - started, attempt)

        return await self._retrying(one)

    async def complete_many(self, request: CompletionRequest, n: int) -> list[Completion]:
        """*n* answers to one request in one call (the protocol's ``n``). An endpoint may
        return fewer (some ignore ``n``): the caller asks again for the rest. The call's
        tokens are shared out over its answers so that per-sample costs still add up."""
        body = self._body(request_body(self.spec, request) | {"n": n})

        async def one(attempt: int, started: float) -> list[Completion]:
            data = await self._post(body, self._url)
            return parse_completions(self.spec, data, time.perf_counter() - started, attempt)

        return await self._retrying(one)

    async def stream(self, request: CompletionRequest, on_text: TextSink) -> Completion:
        """The answer piece by piece to *on_text*, then whole; retried only until the
        first piece arrived (see :class:`~fairclimb.models.StreamingBackend`)."""
        # usage too, so a streamed record is a whole one
        body = self._body(request_body(self.spec, request)
                          | {"stream": True, "stream_options": {"include_usage": True}})
        shown: list[str] = []

        async def one(attempt: int, started: float) -> Completion:
            state = await self._post_stream(body, _Told(on_text, shown))
            return state.completion(time.perf_counter() - started, attempt)

        return await self._retrying(one, shown)

    @staticmethod
    def _body(payload: dict[str, Any]) -> bytes:
        # Serialised once for all attempts, as compactly as httpx did.
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False).encode()

    async def prompt_logprobs(self, text: str) -> list[tuple[int, float]]:
        """The logprob of each token of *text* (``/completions`` with ``echo``, as vLLM
        serves it), as ``(character offset, logprob)``."""
        body = json.dumps({"model": self.spec.model_id, "prompt": text, "max_tokens": 1,
                           "temperature": 0, "echo": True, "logprobs": 0},
                          ensure_ascii=False).encode()
        url = f"{self.spec.base_url.rstrip('/')}/completions"

        async def one(attempt: int, started: float) -> list[tuple[int, float]]:
            return self._echoed(await self._post(body, url))

        return await self._retrying(one)

    def _echoed(self, data: dict[str, Any]) -> list[tuple[int, float]]:
        try:
            logprobs = data["choices"][0]["logprobs"]
            pairs = zip(logprobs["text_offset"], logprobs["token_logprobs"], strict=True)
            return [(int(offset), float(value)) for offset, value in pairs if value is not None]
        except (KeyError, IndexError, TypeError, ValueError):
            # The server answered; it is the wrong kind for --min-k: the user's choice.
            raise UserInputError(
                f"model {self.spec.name} at {self.spec.base_url} does not return prompt "
                "logprobs (/completions with echo and logprobs); --min-k needs an endpoint "
                "that does, such as vLLM") from None

    async def _retrying(self, one: Callable[[int, float], Awaitable[_T]],
                        shown: list[str] | None = None) -> _T:
        """*one* attempt after another (each given its number and start time) until one
        answers; a stream that already *shown* text is never retried."""
        last = "no attempt was made"
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return await one(attempt, time.perf_counter())
            except _Retryable as failure:
                last = self._redact(str(failure))
                if shown:
                    raise ProviderError(f"model {self.spec.name} at {self.spec.base_url} "
                                        f"broke off its answer: {last}") from None
                if attempt == self.retry.attempts:
                    break
                wait = self.retry.delay(attempt, failure.retry_after)
                self._retry_log.failed(last, attempt, self.retry.attempts)
                await self.retry.sleep(wait)
        raise ProviderError(
            f"model {self.spec.name} at {self.spec.base_url} did not answer after "
            f"{self.retry.attempts} attempts: {last}"
        )

    async def _post_stream(self, body: bytes, on_text: TextSink) -> StreamState:
        """One streamed attempt: the chunks to *on_text*, the whole answer's state."""
        state = StreamState(self.spec.style)
        try:
            async with self._session().post(
                    self._url, data=body, headers=self._headers, timeout=self._timeout,
                    proxy=self._proxy, proxy_auth=self._proxy_auth,
                    allow_redirects=False) as response:
                if response.status != 200:
                    self._check_status(response.status, await response.read(),
                                       response.headers.get("Retry-After"))
                async for line in response.content:
                    data = line.strip()
                    if not data.startswith(b"data:"):
                        continue  # blank separators, comments, event names
                    data = data[5:].strip()
                    if data == b"[DONE]":
                        return state
                    piece = state.add(_chunk(data))
                    if piece:
                        on_text(piece)
        except TimeoutError:
            raise _Retryable(f"no answer within {self.retry.timeout_s:g}s") from None
        except aiohttp.ClientError as exc:
            raise _Retryable(f"cannot connect ({type(exc).__name__}: {exc})") from None
        except ValueError:  # a line longer than aiohttp's limit
            raise _Retryable("the stream sent a line too long to read") from None
        raise _Retryable("the stream ended before data: [DONE]")

    async def _post(self, body: bytes, url: str) -> dict[str, Any]:
        """One attempt: the decoded JSON body, or :class:`_Retryable`, or a final error."""
        logger.debug("model %s: POST %s", self.spec.name, url)
        try:
            async with self._session().post(
                    url, data=body, headers=self._headers, timeout=self._timeout,
                    proxy=self._proxy, proxy_auth=self._proxy_auth,
                    allow_redirects=False) as response:
                status = response.status
                raw = await response.read()
                retry_after = response.headers.get("Retry-After")
        except TimeoutError:
            raise _Retryable(f"no answer within {self.retry.timeout_s:g}s") from None
        except aiohttp.ClientError as exc:
            raise _Retryable(f"cannot connect ({type(exc).__name__}: {exc})") from None
        self._check_status(status, raw, retry_after)
        try:
            data = json.loads(raw)
        except ValueError:
            raise _Retryable(f"the answer is not JSON: {_snippet(_text(raw))}") from None
        if not isinstance(data, dict):
            raise _Retryable(f"the answer is not a JSON object: {_snippet(_text(raw))}")
        return data

    def _check_status(self, status: int, raw: bytes, retry_after: str | None) -> None:
        if status in RETRYABLE_STATUS or status >= 500:
            raise _Retryable(f"HTTP {status} {_snippet(_text(raw))}".rstrip(),
                             parse_retry_after(retry_after))
        if status != 200:
            hint = (f"; check the key in ${self.spec.api_key_env}"
                    if status in (401, 403) and self.spec.api_key_env else "")
            raise ProviderError(self._redact(
                f"model {self.spec.name} at {self.spec.base_url} refused the request: "
                f"HTTP {status} {_snippet(_text(raw))}{hint}"
            ))

    def _redact(self, text: str) -> str:
        text = _BEARER.sub(r"\1***", text)
        return text.replace(self._secret, "***") if self._secret else text


class _Told:
    """*on_text*, remembering that something was shown (no retry after that)."""

    def __init__(self, on_text: TextSink, shown: list[str]) -> None:
        self._on_text = on_text
        self._shown = shown

    def __call__(self, text: str) -> None:
        self._shown.append(text)
        self._on_text(text)


def _chunk(data: bytes) -> dict[str, Any]:
    try:
        chunk = json.loads(data)
    except ValueError:
        raise _Retryable(f"a stream chunk is not JSON: {_snippet(_text(data))}") from None
    if not isinstance(chunk, dict):
        raise _Retryable(f"a stream chunk is not a JSON object: {_snippet(_text(data))}")
    return chunk


def create(spec: ModelSpec, *, api_key: str | None, retry: RetryPolicy,
           local: LocalOptions | None = None) -> OpenAIBackend:
    del local  # a remote model runs where its server is
    return OpenAIBackend(spec, api_key=api_key, retry=retry)


def request_body(spec: ModelSpec, request: CompletionRequest) -> dict[str, Any]:
    """The JSON body of one call in the OpenAI protocol."""
    params = request.params
    body: dict[str, Any] = {
        "model": spec.model_id,
        "temperature": params.temperature,
        "max_tokens": params.max_tokens,
        "top_p": params.top_p,
    }
    if params.seed is not None:
        body["seed"] = params.seed + request.sample_index
    if params.stop:
        body["stop"] = list(params.stop)
    body.update(params.extra_body)  # the user's own options win over ours
    if spec.style is ApiStyle.CHAT:
        body["messages"] = [{"role": m.role, "content": m.content} for m in request.messages]
    else:
        body["prompt"] = request.prompt
    return body


def parse_completion(
    spec: ModelSpec, data: dict[str, Any], latency_s: float, attempts: int
) -> Completion:
    """A :class:`Completion` from a decoded answer; :class:`_Retryable` if it has none."""
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise _Retryable("the answer has no choices[0]")
    choice = choices[0]
    if spec.style is ApiStyle.CHAT:
        message = choice.get("message")
        if not isinstance(message, dict):
            raise _Retryable("choices[0] has no message")
        text = message.get("content") or ""  # null content: the model said nothing
    else:
        text = choice.get("text")
    if not isinstance(text, str):
        raise _Retryable("choices[0] holds no text")
    usage = data.get("usage")
    if not isinstance(usage, dict):
        usage = {}
    return Completion(
        text=text,
        finish_reason=_str_or_none(choice.get("finish_reason")),
        response_id=_str_or_none(data.get("id")),
        system_fingerprint=_str_or_none(data.get("system_fingerprint")),
        served_model=_str_or_none(data.get("model")),
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        latency_s=latency_s,
        attempts=attempts,
    )


def parse_completions(spec: ModelSpec, data: dict[str, Any], latency_s: float,
                      attempts: int) -> list[Completion]:
    """Every choice of an answer to a call with ``n``, in index order, the call's usage
    divided over them (the remainder to the first)."""
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices:
        raise _Retryable("the answer has no choices[0]")
    ordered = sorted((c for c in choices if isinstance(c, dict)),
                     key=lambda c: _int(c.get("index")))
    whole = parse_completion(spec, {**data, "choices": ordered[:1]}, latency_s, attempts)
    parsed = [parse_completion(spec, {**data, "choices": [c]}, latency_s, attempts)
              for c in ordered]
    count = len(parsed)
    return [dataclasses.replace(
        completion,
        prompt_tokens=whole.prompt_tokens // count + (whole.prompt_tokens % count if i == 0
                                                       else 0),
        completion_tokens=whole.completion_tokens // count + (
            whole.completion_tokens % count if i == 0 else 0))
        for i, completion in enumerate(parsed)]


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_BODY else text[:_SHOWN_BODY] + "…"
