"""Streamed completions: the OpenAI protocol's ``stream: true`` server-sent events, read
into the same :class:`Completion` a whole answer gives, so a cache or a record cannot
tell how the answer travelled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from fairclimb.models._types import ApiStyle, Completion, CompletionRequest

__all__ = ["StreamState", "StreamingBackend", "TextSink"]

TextSink = Callable[[str], None]


@runtime_checkable
class StreamingBackend(Protocol):
    """A backend that can also stream: :meth:`stream` tells *on_text* each piece of
    the answer as it arrives and returns the whole :class:`Completion`. It retries
    (like ``complete``) only before the first piece; a stream that breaks after it
    raises :class:`~fairclimb.errors.ProviderError` (a retry would repeat text the
    caller has already shown)."""

    async def stream(self, request: CompletionRequest, on_text: TextSink) -> Completion: ...


@dataclass
class StreamState:
    """The answer so far, built from ``chat.completion.chunk`` (``delta.content``) or
    ``text_completion`` (``text``) chunks; usage from the chunk that carries it."""

    style: ApiStyle
    pieces: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    response_id: str | None = None
    system_fingerprint: str | None = None
    served_model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, chunk: dict[str, Any]) -> str:
        """Take one decoded chunk; return the text it adds ('' if none)."""
        self.response_id = _str(chunk.get("id")) or self.response_id
        self.served_model = _str(chunk.get("model")) or self.served_model
        self.system_fingerprint = _str(chunk.get("system_fingerprint")) or self.system_fingerprint
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.prompt_tokens = _int(usage.get("prompt_tokens"))
            self.completion_tokens = _int(usage.get("completion_tokens"))
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return ""  # the usage chunk has no choices
        choice = choices[0]
        self.finish_reason = _str(choice.get("finish_reason")) or self.finish_reason
        if self.style is ApiStyle.CHAT:
            delta = choice.get("delta")
            text = delta.get("content") if isinstance(delta, dict) else None
        else:
            text = choice.get("text")
        if not isinstance(text, str) or not text:
            return ""
        self.pieces.append(text)
        return text

    def completion(self, latency_s: float, attempts: int) -> Completion:
        return Completion(
            text="".join(self.pieces), finish_reason=self.finish_reason,
            response_id=self.response_id, system_fingerprint=self.system_fingerprint,
            served_model=self.served_model, prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens, latency_s=latency_s,
            attempts=attempts)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
