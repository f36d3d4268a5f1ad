"""The one interface every model backend implements, and how a backend is chosen.

A backend is a module registered by name (``ModelSpec.backend``) in the
``fairclimb.model_backends`` entry-point group: fairclimb's own live in
``fairclimb.models._backends``, other packages add theirs (see :mod:`fairclimb.plugins`).
The module has a function ``create(spec, *, api_key, retry, local)`` that returns a
:class:`ModelBackend` (*local*, :class:`LocalOptions`, matters only to a model that runs
on this machine), and may have ``validate(spec) -> ModelSpec``, which refuses a spec it
cannot serve with a :class:`UserInputError` (and may normalise it, say a path made
absolute). So adding a backend is adding one file. Heavy libraries load inside that
module, only when it is chosen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable
from urllib.parse import urlsplit

from fairclimb.errors import PluginError, UserInputError
from fairclimb.models._retry import RetryPolicy
from fairclimb.models._types import Completion, CompletionRequest, LocalOptions, ModelSpec
from fairclimb.plugins import MODEL_BACKENDS, Registry

__all__ = ["REGISTRY", "BackendModule", "ModelBackend", "known_backends", "open_backend",
           "validate_spec"]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@runtime_checkable
class ModelBackend(Protocol):
    """Something that answers completion requests.

    :meth:`complete` retries what may succeed later itself, and raises
    :class:`~fairclimb.errors.ProviderError` when the provider refused the request or
    did not answer within the retry policy. :meth:`aclose` releases connections.
    """

    async def complete(self, request: CompletionRequest) -> Completion: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class PromptScorer(Protocol):
    """A backend that can score a text: the log-probability of each of its tokens, as
    ``(character offset, logprob)`` pairs (the first token, which has none, left out).

    Raises :class:`~fairclimb.errors.UserInputError` when the endpoint answers without
    prompt logprobs (the wrong kind of server for the caller), and
    :class:`~fairclimb.errors.ProviderError` when it cannot be reached."""

    async def prompt_logprobs(self, text: str) -> list[tuple[int, float]]: ...


class BackendModule(Protocol):
    """What a ``fairclimb.model_backends`` entry point names (a module, usually)."""

    create: Callable[..., Any]


def _backend_module(name: str, value: object) -> BackendModule | None:
    return cast(BackendModule, value) if callable(getattr(value, "create", None)) else None


_SHIPPED = {name: f"fairclimb.models._backends.{name}" for name in ("hf", "mock", "openai")}
#: the shipped backends and those other packages register (also in pyproject.toml)
REGISTRY: Registry[BackendModule] = Registry(
    MODEL_BACKENDS, _SHIPPED, "a module with create(spec, *, api_key, retry, local)",
    _backend_module)


def known_backends() -> list[str]:
    return sorted(REGISTRY.names())


def validate_spec(spec: ModelSpec) -> ModelSpec:
    """Return ``spec`` if it can be registered; otherwise :class:`UserInputError`."""
    if not spec.name.strip() or spec.name != spec.name.strip():
        raise UserInputError("a model name must not be empty or start or end with spaces")
    if spec.backend not in known_backends():
        raise UserInputError(
            f"unknown backend {spec.backend!r}; known backends: {', '.join(known_backends())}"
        )
    if spec.backend == "openai":
        url = urlsplit(spec.base_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise UserInputError(
                f"the base URL {spec.base_url!r} is not an http(s) URL; give one such as "
                "http://localhost:8000/v1 or https://api.openai.com/v1"
            )
    if not spec.model_id.strip():
        raise UserInputError("the model id must not be empty; give it with --model")
    if spec.backend == "hf":
        if spec.base_url:
            raise UserInputError(
                "a local Hugging Face model takes no base URL; leave out --base-url")
        if not Path(spec.model_id).expanduser().is_dir():
            raise UserInputError(
                f"no Hugging Face checkpoint at {spec.model_id}: it is not a directory; "
                "give the folder save_pretrained wrote with --model"
            )
    if spec.api_key_env is not None and not _ENV_NAME.fullmatch(spec.api_key_env):
        raise UserInputError(
            "--api-key-env takes the NAME of an environment variable (such as "
            "OPENAI_API_KEY), not the key itself; the key is read from it at call time"
        )
    module = REGISTRY.get(spec.backend)
    validate = getattr(module, "validate", None)
    return cast(ModelSpec, validate(spec)) if callable(validate) else spec


def read_api_key(spec: ModelSpec, environ: Mapping[str, str]) -> str | None:
    """The key from ``environ[spec.api_key_env]``; None if the model needs none."""
    if spec.api_key_env is None:
        return None
    key = environ.get(spec.api_key_env, "")
    if not key:
        raise UserInputError(
            f"the API key variable {spec.api_key_env} is not set; export it "
            f"(export {spec.api_key_env}=...) or register the model {spec.name!r} again "
            "without --api-key-env if its server needs no key"
        )
    return key


def open_backend(
    spec: ModelSpec, environ: Mapping[str, str], retry: RetryPolicy | None = None,
    local: LocalOptions | None = None,
) -> ModelBackend:
    """A backend for ``spec``, its API key read from ``environ`` (passed in by the edge).

    *local* says how a local model runs (device, batch size); remote backends ignore it.
    Raises :class:`UserInputError` if the key variable is not set or the backend is
    unknown. Close the backend with ``await backend.aclose()``.
    """
    module = REGISTRY.get(spec.backend)
    if module is None:
        raise UserInputError(
            f"model {spec.name!r} uses the backend {spec.backend!r}, which this fairclimb "
            f"does not have; known backends: {', '.join(known_backends())}"
        )
    api_key = read_api_key(spec, environ)
    if local is not None and local.batch_size < 1:
        raise UserInputError(f"--batch-size must be at least 1, not {local.batch_size}")
    backend = module.create(spec, api_key=api_key, retry=retry or RetryPolicy(),
                            local=local or LocalOptions())
    if not isinstance(backend, ModelBackend):
        plugin = REGISTRY.plugins()[spec.backend]
        raise PluginError(
            f"the {MODEL_BACKENDS} plugin {spec.backend!r} of {plugin.distribution} made a "
            f"{type(backend).__name__}, not a model backend (async complete and aclose); "
            "fix or uninstall that package")
    return backend
