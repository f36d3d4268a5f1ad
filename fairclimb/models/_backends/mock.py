"""A deterministic model for tests: answers from a file, or the prompt echoed back.

Register one with ``fairclimb models add NAME --backend mock --model ANSWERS``, where
ANSWERS is

- ``echo``: every answer is the prompt itself (the last message of a chat);
- a ``.json`` file: an object mapping a prompt, or any text a prompt contains (the
  function's signature, say), to an answer, or to a list of answers (one is drawn per
  sample, seeded); the key ``"*"`` answers every prompt no other key matches;
- a ``.jsonl`` file: the same mapping one line each, ``{"prompt": KEY, "completion":
  TEXT}``; several lines with one key give that key several answers.

The key equal to the whole prompt wins, else the longest key the prompt contains, else
``"*"``; a prompt nothing matches fails with a :class:`ProviderError` naming its start,
so a test notices a prompt it did not expect. A model never sees task ids (fairclimb
builds the prompt from the task), so key by text of the task's prompt. No network and no
clock: the same request (prompt, seed, sample index) always gets the same answer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from pathlib import Path
from typing import Any

from fairclimb.errors import ProviderError, UserInputError
from fairclimb.models._retry import RetryPolicy
from fairclimb.models._types import Completion, CompletionRequest, LocalOptions, ModelSpec

__all__ = ["ECHO", "MockBackend", "create", "read_answers", "validate"]

ECHO = "echo"
FALLBACK = "*"
_SHOWN = 80


def read_answers(source: str) -> dict[str, list[str]] | None:
    """The mapping of key -> answers that *source* names; None for ``echo``."""
    if source == ECHO:
        return None
    path = Path(source).expanduser()
    if not path.is_file():
        raise UserInputError(
            f"the mock model's answers {source!r} is not a file; give --model echo or the "
            "path of a .json or .jsonl file mapping prompts to answers")
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            return _from_lines(text)
        return _from_object(json.loads(text))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UserInputError(f"the mock model's answers {source!r} cannot be read: {error}; "
                             "see docs/extending.md for the format") from error


def _from_object(data: Any) -> dict[str, list[str]]:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object mapping prompts to answers")
    answers: dict[str, list[str]] = {}
    for key, value in data.items():
        texts = value if isinstance(value, list) else [value]
        if not texts or not all(isinstance(text, str) for text in texts):
            raise ValueError(f"the answer to {key[:_SHOWN]!r} is not a string or a list of "
                             "strings")
        answers[key] = list(texts)
    return answers


def _from_lines(text: str) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not (isinstance(row, dict) and isinstance(row.get("prompt"), str)
                and isinstance(row.get("completion"), str)):
            raise ValueError(f"line {number} is not {{\"prompt\": ..., \"completion\": ...}} "
                             "with two strings")
        answers.setdefault(row["prompt"], []).append(row["completion"])
    return answers


class MockBackend:
    """Answers :class:`CompletionRequest` s from a mapping, deterministically."""

    def __init__(self, spec: ModelSpec, answers: dict[str, list[str]] | None) -> None:
        self.spec = spec
        self._answers = answers
        # longest first: the most specific key a prompt contains wins
        self._keys = sorted((k for k in answers or {} if k != FALLBACK),
                            key=lambda k: (-len(k), k))

    async def complete(self, request: CompletionRequest) -> Completion:
        prompt = request.messages[-1].content if request.messages else request.prompt
        text = prompt if self._answers is None else self._choose(prompt, request)
        return Completion(text=text, finish_reason="stop", served_model="mock",
                          response_id=f"mock-{request.cache_key(self.spec)[:16]}",
                          prompt_tokens=len(prompt.split()),
                          completion_tokens=len(text.split()))

    def _choose(self, prompt: str, request: CompletionRequest) -> str:
        assert self._answers is not None
        key = prompt if prompt in self._answers else next(
            (k for k in self._keys if k in prompt), FALLBACK)
        texts = self._answers.get(key)
        if texts is None:
            start = " ".join(prompt.split())[:_SHOWN]
            raise ProviderError(f"the mock model {self.spec.name!r} has no answer for the "
                                f"prompt {start!r}; add a key it contains, or \"*\"")
        if len(texts) == 1:
            return texts[0]
        # seeded by what the request is, never by a clock or a global generator
        material = f"{request.params.seed}|{request.prompt_hash}|{request.sample_index}"
        seed = int.from_bytes(hashlib.sha256(material.encode()).digest()[:8], "big")
        return random.Random(seed).choice(texts)

    async def aclose(self) -> None:
        return None


def validate(spec: ModelSpec) -> ModelSpec:
    """Refuse a mock model whose answers cannot be read; keep the file's absolute path,
    so the model works from any directory."""
    if spec.base_url:
        raise UserInputError("a mock model takes no base URL; leave out --base-url")
    read_answers(spec.model_id)
    if spec.model_id == ECHO:
        return spec
    return dataclasses.replace(spec, model_id=str(Path(spec.model_id).expanduser().resolve()))


def create(spec: ModelSpec, *, api_key: str | None, retry: RetryPolicy,
           local: LocalOptions | None = None) -> MockBackend:
    del api_key, retry, local  # nothing to authenticate, retry or place on a device
    return MockBackend(spec, read_answers(spec.model_id))
