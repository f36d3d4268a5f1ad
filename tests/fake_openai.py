"""A real HTTP/1.1 server on 127.0.0.1 that speaks the OpenAI protocol, for tests.

It serves ``POST /v1/chat/completions`` and ``POST /v1/completions`` from a background
thread with its own asyncio loop. Answers are deterministic: ``responder(request_json)``
gives the text (by default a Python code block defining the first function named in
the prompt). Knobs make the next requests fail (429 with Retry-After, 500, malformed
JSON, no choices), delay every answer, or require an API key; counters say what came.
A request with ``"stream": true`` is answered as the real protocol does: server-sent
``data: {chunk}`` events (one a word, ``set_chunk_delay`` apart, over chunked transfer
encoding), the usage chunk if ``stream_options.include_usage``, then ``data: [DONE]``;
``break_stream_next`` makes the next stream stop after its first word.

    with FakeOpenAI() as server:
        server.fail_next("429", 2, retry_after="3")
        ... OpenAI-compatible client at server.base_url ...
        assert server.calls == 3

Run as a script (``python tests/fake_openai.py``) it serves in the foreground with the
fastest responder and prints its base URL, for benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Responder = Callable[[dict[str, Any]], str]
#: the log-probability of one prompt token (a run of non-space characters), given the
#: whole prompt: what ``/v1/completions`` with ``echo`` and ``logprobs`` returns, as vLLM does
Scorer = Callable[[str, str], float]

PATHS = ("/v1/chat/completions", "/v1/completions")
FAILURES = ("429", "500", "malformed", "no_choices")
_REASONS = {200: "OK", 401: "Unauthorized", 404: "Not Found", 400: "Bad Request",
            429: "Too Many Requests", 500: "Internal Server Error"}
_DEF = re.compile(r"def\s+([A-Za-z_]\w*)\s*\(")


def prompt_text(request: dict[str, Any]) -> str:
    if "messages" in request:
        return "\n".join(str(m.get("content", "")) for m in request["messages"])
    return str(request.get("prompt", ""))


def code_responder(request: dict[str, Any]) -> str:
    """A code block defining the first function the prompt names (or ``solution``)."""
    match = _DEF.search(prompt_text(request))
    name = match.group(1) if match else "solution"
    return f"```python\ndef {name}(*args, **kwargs):\n    return None\n```\n"


def constant_responder(request: dict[str, Any]) -> str:
    return "pass"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None


@dataclass
class _Knobs:
    responder: Responder = code_responder
    delay_s: float = 0.0
    api_key: str | None = None
    failures: deque[tuple[str, str | None]] = field(default_factory=deque)
    scorer: Scorer | None = None  # None: prompt logprobs are not returned
    chunk_delay_s: float = 0.0
    break_streams: int = 0
    max_n: int = 128  # choices per call at most; 1 acts as an endpoint that ignores n


class FakeOpenAI:
    """The server; start with :meth:`start` or ``with``; :meth:`reset` between tests."""

    def __init__(self, *, record: bool = True) -> None:
        self._record = record
        self._lock = threading.Lock()
        self._knobs = _Knobs()
        self.calls = 0
        self.calls_by_path: Counter[str] = Counter()
        self.received: list[Received] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    # -- knobs -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def set_responder(self, responder: Responder) -> None:
        with self._lock:
            self._knobs.responder = responder

    def set_scorer(self, scorer: Scorer | None) -> None:
        """Return prompt logprobs from *scorer* when a completion asks for ``echo``."""
        with self._lock:
            self._knobs.scorer = scorer

    def set_delay(self, seconds: float) -> None:
        with self._lock:
            self._knobs.delay_s = seconds

    def set_max_n(self, n: int) -> None:
        """Answer at most *n* choices per call, whatever ``n`` asks (1: ignore ``n``)."""
        with self._lock:
            self._knobs.max_n = n

    def set_chunk_delay(self, seconds: float) -> None:
        with self._lock:
            self._knobs.chunk_delay_s = seconds

    def break_stream_next(self, n: int = 1) -> None:
        with self._lock:
            self._knobs.break_streams += n

    def require_api_key(self, key: str | None) -> None:
        with self._lock:
            self._knobs.api_key = key

    def fail_next(self, kind: str, n: int = 1, *, retry_after: str | None = None) -> None:
        """Answer the next ``n`` requests with a failure: 429, 500, malformed or
        no_choices (a 429 carries ``Retry-After: retry_after`` when given).
        """
        if kind not in FAILURES:
            raise ValueError(f"kind must be one of {FAILURES}")
        with self._lock:
            self._knobs.failures.extend([(kind, retry_after)] * n)

    def reset(self) -> None:
        with self._lock:
            self._knobs = _Knobs()
            self.calls = 0
            self.calls_by_path = Counter()
            self.received = []

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True,
                                        name="fake-openai")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake OpenAI server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        server = loop.run_until_complete(asyncio.start_server(self._connection, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            for writer in list(self._writers):
                writer.close()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    # -- HTTP --------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        key, value = line.split(":", 1)
                        headers[key.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                status, extra, payload = await self._answer(method, path, headers, body)
                if isinstance(payload, list):
                    await self._stream(writer, payload)
                    continue
                head_out = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
                            "Content-Type: application/json",
                            f"Content-Length: {len(payload)}", *extra]
                writer.write(("\r\n".join(head_out) + "\r\n\r\n").encode() + payload)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _stream(self, writer: asyncio.StreamWriter, events: list[bytes]) -> None:
        """Server-sent events, one HTTP chunk each, ``chunk_delay_s`` apart."""
        with self._lock:
            delay, broken = self._knobs.chunk_delay_s, self._knobs.break_streams > 0
            self._knobs.break_streams -= broken
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n")
        for number, event in enumerate(events):
            if broken and number == 2:  # the role chunk and one word, then silence
                writer.close()
                return
            writer.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
            await writer.drain()
            if delay:
                await asyncio.sleep(delay)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async def _answer(self, method: str, path: str, headers: dict[str, str],
                      raw: bytes) -> tuple[int, list[str], bytes | list[bytes]]:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            self.calls += 1
            self.calls_by_path[path] += 1
            if self._record:
                self.received.append(Received(path, headers, body))
            knobs = self._knobs
            failure = knobs.failures.popleft() if knobs.failures else None
        if knobs.delay_s:
            await asyncio.sleep(knobs.delay_s)
        if method != "POST" or path not in PATHS:
            return 404, [], _json({"error": {"message": f"no route {method} {path}"}})
        if knobs.api_key is not None and headers.get("authorization") != f"Bearer {knobs.api_key}":
            return 401, [], _json({"error": {"message": "invalid API key"}})
        if not isinstance(body, dict):
            return 400, [], _json({"error": {"message": "the body is not a JSON object"}})
        if failure is not None:
            return _failure(*failure)
        if body.get("stream") is True:
            return 200, [], _events(path, body, knobs.responder(body))
        answer = _completion(path, body, knobs.responder(body))
        wanted = body.get("n") if isinstance(body.get("n"), int) else 1
        if wanted > 1:  # each choice answers the body with its index, so they differ
            choices = [_completion(path, body, knobs.responder({**body, "choice": i}))
                       for i in range(min(wanted, knobs.max_n))]
            answer["choices"] = [{**c["choices"][0], "index": i} for i, c in enumerate(choices)]
            answer["usage"]["completion_tokens"] = sum(c["usage"]["completion_tokens"]
                                                       for c in choices)
        if body.get("echo") and body.get("logprobs") is not None and knobs.scorer is not None:
            answer["choices"][0].update(_echoed(str(body.get("prompt", "")), knobs.scorer))
        return 200, [], _json(answer)


def _echoed(prompt: str, scorer: Scorer) -> dict[str, Any]:
    """The prompt echoed with a logprob per token (the first token has none, as in vLLM)."""
    tokens = list(re.finditer(r"\S+", prompt))
    logprobs: list[float | None] = [scorer(prompt, t.group()) for t in tokens]
    if logprobs:
        logprobs[0] = None
    return {"text": prompt, "logprobs": {
        "tokens": [t.group() for t in tokens], "token_logprobs": logprobs,
        "text_offset": [t.start() for t in tokens], "top_logprobs": None}}


def _failure(kind: str, retry_after: str | None) -> tuple[int, list[str], bytes]:
    if kind == "429":
        extra = [f"Retry-After: {retry_after}"] if retry_after is not None else []
        return 429, extra, _json({"error": {"message": "rate limited"}})
    if kind == "500":
        return 500, [], _json({"error": {"message": "the server broke"}})
    if kind == "malformed":
        return 200, [], b'{"choices": [{"message": '
    return 200, [], _json({"id": "cmpl-empty", "choices": []})


def _completion(path: str, body: dict[str, Any], text: str) -> dict[str, Any]:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    if path.endswith("chat/completions"):
        choice: dict[str, Any] = {"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": text}}
        kind = "chat.completion"
    else:
        choice = {"index": 0, "finish_reason": "stop", "text": text}
        kind = "text_completion"
    return {
        "id": f"cmpl-{digest}", "object": kind, "created": 0,
        "model": body.get("model", "fake"), "system_fingerprint": "fp_fake",
        "choices": [choice],
        "usage": {"prompt_tokens": len(prompt_text(body).split()),
                  "completion_tokens": len(text.split()),
                  "total_tokens": len(prompt_text(body).split()) + len(text.split())},
    }


def _events(path: str, body: dict[str, Any], text: str) -> list[bytes]:
    """The streamed answer: ``chat.completion.chunk`` (``delta``) or ``text_completion``
    chunks, a word each, the last with ``finish_reason``; usage if asked; ``[DONE]``."""
    whole = _completion(path, body, text)
    chat = path.endswith("chat/completions")
    head = {k: whole[k] for k in ("id", "created", "model", "system_fingerprint")}
    head["object"] = "chat.completion.chunk" if chat else "text_completion"

    def chunk(piece: str | None, finish: str | None = None, role: bool = False) -> bytes:
        choice: dict[str, Any] = {"index": 0, "finish_reason": finish}
        if chat:
            choice["delta"] = ({"role": "assistant", "content": ""} if role
                               else {} if piece is None else {"content": piece})
        else:
            choice["text"] = piece or ""
        return b"data: " + _json({**head, "choices": [choice]}) + b"\n\n"

    events = [chunk(None, role=True)]
    events += [chunk(piece) for piece in re.findall(r"\s*\S+\s*|\s+", text)]
    events.append(chunk(None, "stop"))
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage"):
        events.append(b"data: " + _json({**head, "choices": [], "usage": whole["usage"]})
                      + b"\n\n")
    return [*events, b"data: [DONE]\n\n"]


def _json(data: Any) -> bytes:
    return json.dumps(data).encode()


def main() -> None:
    """Serve in the foreground (for benchmarks): print the base URL, stop on stdin EOF."""
    server = FakeOpenAI(record=False)
    server.set_responder(constant_responder)
    server.start()
    print(server.base_url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
