"""Generation runs: draw n samples per task from a model into a samples file.

Every call is content-addressed (:meth:`CompletionRequest.cache_key`): before calling
the model the cache is asked, and an answer is put in the cache the moment it arrives,
so a run killed at any point never pays twice for a call. ``DIR/samples.jsonl`` holds
every answer known so far (lines are appended as answers arrive, then the file is
rewritten in task order, sample order); a rerun into the same directory rebuilds it
from the cache without calling the model. The plan and its manifest live in
:mod:`._plan`, the cache lookups and sample rows in :mod:`._rows`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from fairclimb.errors import ProviderError
from fairclimb.evaluate._output import prepare_dir, write_json_atomic
from fairclimb.evaluate.generation._plan import GENERATION_MANIFEST, GenerationPlan
from fairclimb.evaluate.generation._rows import (
    GenerationCache,
    Job,
    completion_dict,
    now,
    plan_jobs,
    request_dict,
    sample_row,
    split_known,
)
from fairclimb.evaluate.generation._samples_file import SamplesWriter
from fairclimb.models import Completion, CompletionRequest, ManyAnswerBackend, ModelSpec

__all__ = ["CompletionBackend", "GenerationOutcome", "generate", "run_generation"]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]  # (done, total)
SampleCallback = Callable[[int, dict[str, Any]], None]  # (position, sample row)


class CompletionBackend(Protocol):
    """What generation needs of a model (``fairclimb.models.ModelBackend`` is one)."""

    async def complete(self, request: CompletionRequest) -> Completion: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class GenerationOutcome:
    samples_path: Path
    samples: int
    calls: int  # calls made to the model in this run
    cache_hits: int  # samples answered from the cache (or the previous samples file)
    prompt_tokens: int  # of the calls made in this run
    completion_tokens: int
    cost_usd: float | None  # None when the model has no prices configured
    seconds: float

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["samples_path"] = str(self.samples_path)
        return data


def run_generation(plan: GenerationPlan, store: GenerationCache, backend: CompletionBackend,
                   on_progress: ProgressCallback | None = None,
                   on_sample: SampleCallback | None = None) -> GenerationOutcome:
    """Run :func:`generate` in its own event loop, then close *backend*."""

    async def main() -> GenerationOutcome:
        try:
            return await generate(plan, store, backend, on_progress, on_sample)
        finally:
            await backend.aclose()

    return asyncio.run(main())


@dataclass(slots=True)
class _Tally:
    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


async def generate(plan: GenerationPlan, store: GenerationCache, backend: CompletionBackend,
                   on_progress: ProgressCallback | None = None,
                   on_sample: SampleCallback | None = None) -> GenerationOutcome:
    """Draw ``plan.n`` samples per task, at most ``plan.concurrency`` calls in flight.

    *on_sample* receives ``(position, row)`` for every sample, known ones first, as it
    becomes available (positions run in task order, then sample order). A
    :class:`ProviderError` aborts the run with its message; every answer received
    before it is kept in the cache and in the samples file.
    """
    started = time.monotonic()
    prepare_dir(plan.out_dir)
    write_json_atomic(plan.out_dir / GENERATION_MANIFEST, plan.manifest())
    jobs = plan_jobs(plan)
    known, pending = split_known(plan, jobs, store)
    tally = _Tally()
    tally.cache_hits = len(known)
    writer = SamplesWriter(plan.samples_path, known)
    if on_sample is not None:
        for position in sorted(known):
            on_sample(position, known[position])

    def report() -> None:
        if on_progress is not None:
            on_progress(writer.count, len(jobs))

    report()
    semaphore = asyncio.Semaphore(plan.concurrency)

    # The first provider failure stops new calls, but calls already in flight finish
    # and are stored: they are paid for, and a rerun must not pay for them again.
    failures: list[ProviderError] = []

    def keep(job: Job, completion: Completion) -> None:
        timestamp = now()
        store.put_generation(job.key, plan.spec.name, request_dict(job.request),
                             {**completion_dict(completion), "timestamp": timestamp})
        tally.prompt_tokens += completion.prompt_tokens
        tally.completion_tokens += completion.completion_tokens
        row = sample_row(plan, job, completion, timestamp, cached=False)
        writer.add(job.position, row)
        if on_sample is not None:
            on_sample(job.position, row)
        report()

    async def draw(chunk: list[Job]) -> None:
        while chunk:
            async with semaphore:
                if failures:
                    return
                try:
                    answers = await _ask(backend, chunk)
                except ProviderError as exc:
                    failures.append(exc)
                    return
            tally.calls += 1
            for job, completion in zip(chunk, answers, strict=False):
                keep(job, completion)
            chunk = chunk[len(answers):]  # an endpoint that ignored n: ask for the rest

    try:
        await _pre_flight_then_all(draw, _chunks(pending, plan.n_per_request), failures)
    finally:
        writer.close()
    if failures:
        raise failures[0]
    return GenerationOutcome(
        samples_path=plan.samples_path, samples=writer.count, calls=tally.calls,
        cache_hits=tally.cache_hits, prompt_tokens=tally.prompt_tokens,
        completion_tokens=tally.completion_tokens, cost_usd=_cost(plan.spec, tally),
        seconds=time.monotonic() - started,
    )


async def _ask(backend: CompletionBackend, chunk: list[Job]) -> list[Completion]:
    """Answers for the first jobs of *chunk* (samples of one task): all of them in one
    call when the backend takes ``n``, else the first alone."""
    if len(chunk) > 1 and isinstance(backend, ManyAnswerBackend):
        answers = await backend.complete_many(chunk[0].request, len(chunk))
        return answers[:len(chunk)] or [await backend.complete(chunk[0].request)]
    return [await backend.complete(chunk[0].request)]


def _chunks(jobs: list[Job], size: int) -> list[list[Job]]:
    """Runs of at most *size* pending samples of the same task, in order."""
    chunks: list[list[Job]] = []
    for job in jobs:
        last = chunks[-1] if chunks else None
        if last is not None and len(last) < size and last[0].task.task_id == job.task.task_id:
            last.append(job)
        else:
            chunks.append([job])
    return chunks


async def _pre_flight_then_all(draw: Callable[[list[Job]], Awaitable[None]],
                               pending: list[list[Job]],
                               failures: list[ProviderError]) -> None:
    """Pre-flight: the first call goes alone, so an endpoint that does not answer costs
    one call's retries and one message, not ``concurrency`` calls retrying at once."""
    if len(pending) > 1:
        await draw(pending[0])
        pending = [] if failures else pending[1:]
    await _run_all([draw(job) for job in pending])


async def _run_all(coroutines: list[Any]) -> None:
    """Run every coroutine; the first ProviderError cancels the rest and is raised."""
    try:
        async with asyncio.TaskGroup() as group:
            for coroutine in coroutines:
                group.create_task(coroutine)
    except BaseExceptionGroup as failures:
        provider = failures.subgroup(ProviderError)
        if provider is not None:
            first = provider.exceptions[0]
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            raise first from None
        raise


def _cost(spec: ModelSpec, tally: _Tally) -> float | None:
    if spec.price_in_per_mtok is None and spec.price_out_per_mtok is None:
        return None
    return (tally.prompt_tokens * (spec.price_in_per_mtok or 0.0)
            + tally.completion_tokens * (spec.price_out_per_mtok or 0.0)) / 1e6


