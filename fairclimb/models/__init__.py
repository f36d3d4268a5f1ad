"""Models: talking to models, and what a registered model is.

A :class:`ModelSpec` says where a model is served and what its provider's terms say;
:func:`open_backend` turns one into a :class:`ModelBackend` (the API key is read from
the environment mapping the caller passes in, never stored). The registry itself lives
in the store (``Store.add_model`` and friends); this part never imports the store.
"""

import typing as _typing

from fairclimb.errors import UnknownModelError
from fairclimb.models._backend import (
    ModelBackend,
    PromptScorer,
    known_backends,
    open_backend,
    validate_spec,
)
from fairclimb.models._device import resolve_device
from fairclimb.models._many import ManyAnswerBackend
from fairclimb.models._retry import RetryPolicy
from fairclimb.models._stream import StreamingBackend, TextSink
from fairclimb.models._types import (
    ApiStyle,
    Completion,
    CompletionRequest,
    Device,
    GenerationParams,
    LocalOptions,
    Message,
    ModelSpec,
    Terms,
)

if _typing.TYPE_CHECKING:
    from fairclimb.models._backends.openai import OpenAIBackend

__all__ = [
    "ApiStyle",
    "Completion",
    "CompletionRequest",
    "Device",
    "GenerationParams",
    "LocalOptions",
    "ManyAnswerBackend",
    "Message",
    "ModelBackend",
    "ModelSpec",
    "OpenAIBackend",
    "PromptScorer",
    "RetryPolicy",
    "StreamingBackend",
    "Terms",
    "TextSink",
    "UnknownModelError",
    "known_backends",
    "open_backend",
    "resolve_device",
    "validate_spec",
]


def __getattr__(name: str) -> _typing.Any:
    # The HTTP backend (aiohttp) loads on first use: the store and `fairclimb eval
    # --samples` need the model records only, and aiohttp's import is most of this part's.
    if name == "OpenAIBackend":
        from fairclimb.models._backends.openai import OpenAIBackend

        return OpenAIBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
