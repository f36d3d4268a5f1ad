"""The records of talking to a model. They know nothing of tasks or scores."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "ApiStyle",
    "Completion",
    "CompletionRequest",
    "Device",
    "GenerationParams",
    "LocalOptions",
    "Message",
    "ModelSpec",
    "Terms",
]


class Terms(StrEnum):
    """Whether a provider's terms allow training other models on its outputs."""

    ALLOW = "allow"
    FORBID = "forbid"
    UNKNOWN = "unknown"


class ApiStyle(StrEnum):
    CHAT = "chat"  # POST {base_url}/chat/completions with messages
    COMPLETION = "completion"  # POST {base_url}/completions with a prompt string


class Device(StrEnum):
    """Where a local model runs: ``auto`` is the GPU when there is one, else the CPU."""

    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"


@dataclass(frozen=True, slots=True)
class LocalOptions:
    """How a local model (backend ``hf``) runs on this machine.

    Not part of a model's identity nor of any cache key: the same checkpoint answers
    the same prompts whichever device or batch size computes it. ``batch_size`` is how
    many requests in flight at once are answered by one forward pass.
    """

    device: Device = Device.AUTO
    batch_size: int = 8


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A registered model: where it is served and what its provider's terms say.

    ``api_key_env`` names the environment variable holding the key; the key itself is
    read at call time and never stored or logged. ``backend`` is ``openai`` (any
    OpenAI-compatible endpoint), ``hf`` (a local Hugging Face checkpoint; then
    ``model_id`` is its path and ``base_url`` is empty), ``mock`` (answers from a file,
    for tests; ``model_id`` is the file or ``echo``) or a plugin's backend.
    """

    name: str
    base_url: str
    model_id: str
    api_key_env: str | None = None
    terms: Terms = Terms.UNKNOWN
    terms_url: str | None = None
    style: ApiStyle = ApiStyle.CHAT
    backend: str = "openai"
    price_in_per_mtok: float | None = None  # USD per million prompt tokens
    price_out_per_mtok: float | None = None  # USD per million completion tokens
    provider: str | None = None  # who makes it; None: the base URL's host

    @property
    def provider_name(self) -> str:
        """The provider given at registration, else the base URL's host (``local`` for
        a checkpoint): the arena audit counts each provider's private variants by it."""
        if self.provider:
            return self.provider
        return (urlsplit(self.base_url).hostname if self.base_url else None) or "local"

    @property
    def endpoint(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return f"{self.backend}:{self.model_id}"  # a local model: hf, mock or a plugin's

    def terms_snapshot(self) -> dict[str, Any]:
        """What the provider's terms were when a sample was drawn (for provenance)."""
        return {"terms": self.terms.value, "terms_url": self.terms_url}


@dataclass(frozen=True, slots=True)
class GenerationParams:
    temperature: float = 0.8
    max_tokens: int = 512
    top_p: float = 0.95
    seed: int | None = None
    stop: tuple[str, ...] = ()
    #: passed through into the request body as it is (vLLM sampling options such as
    #: ``top_k`` or ``repetition_penalty``, ``chat_template_kwargs``…)
    extra_body: dict[str, Any] = field(default_factory=dict)
    #: the hash of the prompt control used (system prompt, template, raw), empty for
    #: fairclimb's own prompts; never sent, but part of the cache key and provenance
    prompt_template: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stop"] = list(self.stop)
        # absent when unused, so that the cache keys of earlier runs stay valid
        for key in ("extra_body", "prompt_template"):
            if not data[key]:
                del data[key]
        return data


@dataclass(frozen=True, slots=True)
class Message:
    role: str  # "system", "user" or "assistant"
    content: str


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """One call: chat ``messages`` or a completion ``prompt``, and which sample it is.

    ``sample_index`` distinguishes the n samples drawn for the same prompt, so that each
    has its own cache key; it is sent as part of the seed where a seed is given.
    """

    params: GenerationParams
    messages: tuple[Message, ...] = ()
    prompt: str = ""
    sample_index: int = 0

    @property
    def prompt_hash(self) -> str:
        body = (json.dumps([[m.role, m.content] for m in self.messages])
                if self.messages else self.prompt)
        return hashlib.sha256(body.encode()).hexdigest()

    def cache_key(self, spec: ModelSpec) -> str:
        """Content address of this call: model, endpoint, parameters, prompt, index."""
        material = json.dumps({
            "model": spec.model_id, "endpoint": spec.endpoint, "style": spec.style.value,
            "params": self.params.as_dict(), "prompt": self.prompt_hash,
            "sample": self.sample_index,
        }, sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Completion:
    """What a model answered, with what the provider said about the call."""

    text: str
    finish_reason: str | None = None
    response_id: str | None = None
    system_fingerprint: str | None = None
    served_model: str | None = None  # the model name the provider reports
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    attempts: int = 1
    extra: dict[str, Any] = field(default_factory=dict)
