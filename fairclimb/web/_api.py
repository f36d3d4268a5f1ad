"""The JSON API for scripts: import samples, export votes. ``Authorization: Bearer``
with a token an admin created; tokens are stored hashed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from fairclimb.errors import UserInputError
from fairclimb.store import SampleIn
from fairclimb.web._common import arena_of

router = APIRouter(prefix="/api")


class SampleBody(BaseModel):
    model: str = Field(min_length=1, max_length=200)
    prompt: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    suite: str | None = None
    task_id: str | None = None
    language: str = "python"
    kind: str = "implement"
    passed: bool | None = None


class SamplesBody(BaseModel):
    samples: list[SampleBody]


def _client(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return arena_of(request).accounts.check_api_token(
        token.strip() if scheme.lower() == "bearer" else None)


@router.post("/samples")
async def import_samples(request: Request) -> dict[str, int]:
    """The token is checked before the body is read (BodyLimits caps it); the JSON is
    parsed and stored in worker threads, in short batches."""
    await run_in_threadpool(_client, request)
    body = await run_in_threadpool(_samples_body, await request.body())
    added = await run_in_threadpool(arena_of(request).import_samples,
                                    [SampleIn(**sample.model_dump()) for sample in body.samples])
    return {"received": len(body.samples), "added": added}


def _samples_body(raw: bytes) -> SamplesBody:
    try:
        return SamplesBody.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the body"
        raise UserInputError(f"the samples JSON is not valid at {where}: {first['msg']}; "
                             'send {"samples": [{"model", "prompt", "answer"}, ...]}') from None


@router.get("/votes")
def export_votes(request: Request, include_excluded: bool = True) -> list[dict[str, Any]]:
    """Votes in the FastChat battle format, with weight and any exclusion's reason."""
    _client(request)
    return [record.to_json() for record in arena_of(request).battle_records()
            if include_excluded or not record.excluded]


@router.get("/leaderboard")
def leaderboard(request: Request, language: str = "", kind: str = "") -> dict[str, Any]:
    """The leaderboard's ratings (as the page shows them) for scripts."""
    _client(request)
    board = arena_of(request).leaderboard(language.strip() or None, kind.strip() or None)
    ratings = board.ratings
    return {"method": board.method, "counted": board.counted, "excluded": board.excluded,
            "excluded_reasons": {kind.value: n for kind, n in board.reasons},
            "n_battles": ratings.n_battles if ratings else 0,
            "models": [asdict(m) for m in ratings.models] if ratings else [],
            "warnings": list(ratings.warnings) if ratings else [],
            "robustness": (ratings.robustness.sentence
                           if ratings and ratings.robustness else None)}
