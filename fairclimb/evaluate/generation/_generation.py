"""Generation runs: draw n samples per task from a model into a samples file.

Every call is content-addressed (:meth:`CompletionRequest.cache_key`): before calling
the model the cache is asked, and an answer is put in the cache the moment it arrives,
so a run killed at any point never pays twice for a call. ``DIR/samples.jsonl`` holds
every answer known so far (lines are appended as answers arrive, then the file is
rewritten in task order, sample order); a rerun into the same directory rebuilds it
from the cache without calling the model. ``DIR/generation.json`` ties the directory
to one model, suite and parameter set, so another run cannot be mixed in.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from fairclimb._version import __version__
from fairclimb.errors import ProviderError, UserInputError
from fairclimb.evaluate._output import prepare_dir, write_json_atomic
from fairclimb.evaluate.generation._prompts import PromptControl, build_request, sample_line
from fairclimb.evaluate.generation._samples_file import SamplesWriter, read_previous
from fairclimb.models import (
    Completion,
    CompletionRequest,
    GenerationParams,
    ManyAnswerBackend,
    ModelSpec,
)
from fairclimb.suites import Suite, Task, get_suite

if TYPE_CHECKING:
    from fairclimb.store import Store

__all__ = [
    "CompletionBackend",
    "GenerationCache",
    "GenerationOutcome",
    "GenerationPlan",
    "generate",
    "plan_generation",
    "run_generation",
]

log = logging.getLogger(__name__)

SAMPLES = "samples.jsonl"
GENERATION_MANIFEST = "generation.json"
ProgressCallback = Callable[[int, int], None]  # (done, total)
SampleCallback = Callable[[int, dict[str, Any]], None]  # (position, sample row)
_COMPLETION_FIELDS = {f.name for f in fields(Completion)}


class CompletionBackend(Protocol):
    """What generation needs of a model (``fairclimb.models.ModelBackend`` is one)."""

    async def complete(self, request: CompletionRequest) -> Completion: ...

    async def aclose(self) -> None: ...


class GenerationCache(Protocol):
    """Where answers already paid for are kept (``fairclimb.store.Store`` is one)."""

    def get_generation(self, cache_key: str) -> dict[str, Any] | None: ...

    def put_generation(self, cache_key: str, model_name: str, request: dict[str, Any],
                       completion: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class GenerationPlan:
    """A validated generation run, ready to go: nothing has been written yet."""

    spec: ModelSpec
    suite: Suite
    n: int
    params: GenerationParams
    concurrency: int
    out_dir: Path
    prompt: PromptControl = field(default_factory=PromptControl)
    n_per_request: int = 1  # answers asked of one call (the protocol's n)

    @property
    def samples_path(self) -> Path:
        return self.out_dir / SAMPLES

    def manifest(self) -> dict[str, Any]:
        manifest: dict[str, Any] = {"model": self.spec.name, "model_id": self.spec.model_id,
                    "endpoint": self.spec.endpoint, "style": self.spec.style.value,
                    "suite": self.suite.name, "params": self.params.as_dict()}
        if self.prompt.digest:  # absent for our own prompts: older runs still resume
            manifest["prompt_template"] = self.prompt.digest
        if self.n_per_request > 1:  # absent when 1, likewise
            manifest["n_per_request"] = self.n_per_request
        return manifest


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


def plan_generation(spec: ModelSpec, suite_name: str | Suite, n: int,
                    params: GenerationParams,
                    concurrency: int, out_dir: Path, store: Store | None = None,
                    prompt: PromptControl | None = None,
                    n_per_request: int = 1) -> GenerationPlan:
    """Validate everything about a generation run before anything is written (*store*,
    when given, is where suites built by fairclimb, such as debug suites, are found)."""
    suite = suite_name if isinstance(suite_name, Suite) else get_suite(suite_name, store)
    if n < 1:
        raise UserInputError(f"-n must be at least 1 (samples per task), not {n}")
    if concurrency < 1:
        raise UserInputError(f"--concurrency must be at least 1, not {concurrency}")
    if params.max_tokens < 1:
        raise UserInputError(f"--max-tokens must be at least 1, not {params.max_tokens}")
    if params.temperature < 0:
        raise UserInputError(f"--temperature must not be negative, not {params.temperature}")
    if n_per_request < 1:
        raise UserInputError(f"--n-per-request must be at least 1, not {n_per_request}")
    if n_per_request > 1 and spec.backend != "openai":
        raise UserInputError(f"--n-per-request needs an OpenAI-compatible endpoint; model "
                             f"{spec.name!r} uses the {spec.backend} backend")
    plan = GenerationPlan(spec, suite, n, params, concurrency, out_dir,
                          prompt or PromptControl(), n_per_request)
    if plan.prompt.template is not None:
        for task in suite.tasks:  # a template naming an unknown field fails before any call
            plan.prompt.render(task)
    _check_out_dir(plan)
    return plan


def _check_out_dir(plan: GenerationPlan) -> None:
    out = plan.out_dir
    if out.exists() and not out.is_dir():
        raise UserInputError(f"--out {str(out)!r} exists and is not a directory")
    manifest_path = out / GENERATION_MANIFEST
    if manifest_path.exists():
        try:
            previous = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            raise UserInputError(f"{manifest_path} is damaged; delete the directory "
                                 f"{str(out)!r} or choose another --out") from None
        changed = manifest_changes(previous, plan.manifest())
        if changed:
            raise UserInputError(
                f"{str(out)!r} holds samples made with other settings ({'; '.join(changed)}); "
                "choose another --out, delete it, or rerun with the same settings")
    elif (out / SAMPLES).exists():
        raise UserInputError(f"{str(out)!r} already holds a {SAMPLES} that no generation run "
                             "wrote; choose another --out or move that file")


def manifest_changes(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between two generation manifests, one phrase per setting
    ("temperature 0.2 there, 0.8 now"), generation parameters by their own names."""
    def flat(manifest: dict[str, Any]) -> dict[str, Any]:
        params = manifest.get("params")
        flat = {k: v for k, v in manifest.items() if k != "params"}
        return {**flat, **params} if isinstance(params, dict) else flat

    old, new = flat(before), flat(now)
    return [f"{key} {json.dumps(old.get(key))} there, {json.dumps(new.get(key))} now"
            for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]


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


@dataclass(frozen=True, slots=True)
class _Job:
    position: int  # in task order, then sample order
    task: Task
    request: CompletionRequest
    key: str


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
    jobs = _jobs(plan)
    known, pending = _split_known(plan, jobs, store)
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

    def keep(job: _Job, completion: Completion) -> None:
        timestamp = _now()
        store.put_generation(job.key, plan.spec.name, _request_dict(job.request),
                             {**_completion_dict(completion), "timestamp": timestamp})
        tally.prompt_tokens += completion.prompt_tokens
        tally.completion_tokens += completion.completion_tokens
        row = _row(plan, job, completion, timestamp, cached=False)
        writer.add(job.position, row)
        if on_sample is not None:
            on_sample(job.position, row)
        report()

    async def draw(chunk: list[_Job]) -> None:
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


async def _ask(backend: CompletionBackend, chunk: list[_Job]) -> list[Completion]:
    """Answers for the first jobs of *chunk* (samples of one task): all of them in one
    call when the backend takes ``n``, else the first alone."""
    if len(chunk) > 1 and isinstance(backend, ManyAnswerBackend):
        answers = await backend.complete_many(chunk[0].request, len(chunk))
        return answers[:len(chunk)] or [await backend.complete(chunk[0].request)]
    return [await backend.complete(chunk[0].request)]


def _chunks(jobs: list[_Job], size: int) -> list[list[_Job]]:
    """Runs of at most *size* pending samples of the same task, in order."""
    chunks: list[list[_Job]] = []
    for job in jobs:
        last = chunks[-1] if chunks else None
        if last is not None and len(last) < size and last[0].task.task_id == job.task.task_id:
            last.append(job)
        else:
            chunks.append([job])
    return chunks


async def _pre_flight_then_all(draw: Callable[[list[_Job]], Awaitable[None]],
                               pending: list[list[_Job]],
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


def _jobs(plan: GenerationPlan) -> list[_Job]:
    jobs: list[_Job] = []
    for task in plan.suite.tasks:
        for index in range(plan.n):
            request = build_request(task, plan.spec.style, plan.params, index, plan.prompt)
            jobs.append(_Job(len(jobs), task, request, request.cache_key(plan.spec)))
    return jobs


def _split_known(plan: GenerationPlan, jobs: list[_Job], store: GenerationCache
                 ) -> tuple[dict[int, dict[str, Any]], list[_Job]]:
    """The samples paid for already (by position), and the jobs still to ask."""
    previous = read_previous(plan.samples_path)
    known: dict[int, dict[str, Any]] = {}
    pending: list[_Job] = []
    for job in jobs:
        row = _known_row(plan, job, store, previous)
        if row is None:
            pending.append(job)
        else:
            known[job.position] = row
    return known, pending


def _known_row(plan: GenerationPlan, job: _Job, store: GenerationCache,
               previous: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The sample for *job* if it was paid for already: in the cache, else in the file."""
    stored = store.get_generation(job.key)
    if stored is not None:
        parsed = _completion_of(stored)
        if parsed is not None:
            completion, timestamp = parsed
            return _row(plan, job, completion, timestamp, cached=True)
        log.warning("ignoring an unreadable cache entry %s", job.key)
    row = previous.get(job.key)
    if row is None:
        return None
    return {**row, "provenance": {**row["provenance"], "cached": True}}


def _row(plan: GenerationPlan, job: _Job, completion: Completion, timestamp: str | None,
         *, cached: bool) -> dict[str, Any]:
    spec, request = plan.spec, job.request
    line = sample_line(job.task, spec.style, completion.text, request.params.stop)
    line["sample_index"] = request.sample_index
    line["provenance"] = {
        "model": spec.name, "model_id": spec.model_id, "endpoint": spec.endpoint,
        "style": spec.style.value, **spec.terms_snapshot(),
        "params": request.params.as_dict(), "seed": request.params.seed,
        "suite": plan.suite.name, "prompt_hash": request.prompt_hash, "cache_key": job.key,
        "response_id": completion.response_id,
        "system_fingerprint": completion.system_fingerprint,
        "served_model": completion.served_model, "finish_reason": completion.finish_reason,
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "latency_s": completion.latency_s, "attempts": completion.attempts,
        "timestamp": timestamp, "cached": cached, "text": completion.text,
        "fairclimb_version": __version__,
    }
    return line


def _request_dict(request: CompletionRequest) -> dict[str, Any]:
    return {"messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "prompt": request.prompt, "params": request.params.as_dict(),
            "sample_index": request.sample_index, "prompt_hash": request.prompt_hash}


def _completion_dict(completion: Completion) -> dict[str, Any]:
    return asdict(completion)


def _completion_of(stored: dict[str, Any]) -> tuple[Completion, str | None] | None:
    """A cached completion back as a record (the stored dict, or one nested under it)."""
    data = stored if "text" in stored else stored.get("completion")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return None
    try:
        completion = Completion(**{k: v for k, v in data.items() if k in _COMPLETION_FIELDS})
    except TypeError:
        return None
    timestamp = data.get("timestamp") or stored.get("timestamp") or stored.get("created_at")
    return completion, str(timestamp) if timestamp is not None else None


def _cost(spec: ModelSpec, tally: _Tally) -> float | None:
    if spec.price_in_per_mtok is None and spec.price_out_per_mtok is None:
        return None
    return (tally.prompt_tokens * (spec.price_in_per_mtok or 0.0)
            + tally.completion_tokens * (spec.price_out_per_mtok or 0.0)) / 1e6


def _now() -> str:
    return datetime.now(UTC).isoformat()
