"""Backends that answer one request several times in one call (the protocol's ``n``)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from fairclimb.models._types import Completion, CompletionRequest

__all__ = ["ManyAnswerBackend"]


@runtime_checkable
class ManyAnswerBackend(Protocol):
    """:meth:`complete_many` returns up to *n* answers to *request* from one call (an
    endpoint that ignores ``n`` returns one); retries and errors as ``complete``."""

    async def complete_many(self, request: CompletionRequest, n: int) -> list[Completion]: ...
