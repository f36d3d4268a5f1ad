"""Sample rows and the answer cache: what a generation run already paid for (in the
cache, else in the previous samples file), and the row, with its provenance, that
each answer becomes.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any, Protocol

from fairclimb._version import __version__
from fairclimb.evaluate.generation._plan import GenerationPlan
from fairclimb.evaluate.generation._prompts import build_request, sample_line
from fairclimb.evaluate.generation._samples_file import read_previous
from fairclimb.models import Completion, CompletionRequest
from fairclimb.suites import Task

__all__ = ["GenerationCache", "Job", "completion_dict", "now", "plan_jobs", "request_dict",
           "sample_row", "split_known"]

log = logging.getLogger(__name__)

_COMPLETION_FIELDS = {f.name for f in fields(Completion)}


class GenerationCache(Protocol):
    """Where answers already paid for are kept (``fairclimb.store.Store`` is one)."""

    def get_generation(self, cache_key: str) -> dict[str, Any] | None: ...

    def put_generation(self, cache_key: str, model_name: str, request: dict[str, Any],
                       completion: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class Job:
    position: int  # in task order, then sample order
    task: Task
    request: CompletionRequest
    key: str


def plan_jobs(plan: GenerationPlan) -> list[Job]:
    jobs: list[Job] = []
    for task in plan.suite.tasks:
        for index in range(plan.n):
            request = build_request(task, plan.spec.style, plan.params, index, plan.prompt)
            jobs.append(Job(len(jobs), task, request, request.cache_key(plan.spec)))
    return jobs


def split_known(plan: GenerationPlan, jobs: list[Job], store: GenerationCache
                 ) -> tuple[dict[int, dict[str, Any]], list[Job]]:
    """The samples paid for already (by position), and the jobs still to ask."""
    previous = read_previous(plan.samples_path)
    known: dict[int, dict[str, Any]] = {}
    pending: list[Job] = []
    for job in jobs:
        row = _known_row(plan, job, store, previous)
        if row is None:
            pending.append(job)
        else:
            known[job.position] = row
    return known, pending


def _known_row(plan: GenerationPlan, job: Job, store: GenerationCache,
               previous: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The sample for *job* if it was paid for already: in the cache, else in the file."""
    stored = store.get_generation(job.key)
    if stored is not None:
        parsed = completion_of(stored)
        if parsed is not None:
            completion, timestamp = parsed
            return sample_row(plan, job, completion, timestamp, cached=True)
        log.warning("ignoring an unreadable cache entry %s", job.key)
    row = previous.get(job.key)
    if row is None:
        return None
    return {**row, "provenance": {**row["provenance"], "cached": True}}


def sample_row(plan: GenerationPlan, job: Job, completion: Completion, timestamp: str | None,
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


def request_dict(request: CompletionRequest) -> dict[str, Any]:
    return {"messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "prompt": request.prompt, "params": request.params.as_dict(),
            "sample_index": request.sample_index, "prompt_hash": request.prompt_hash}


def completion_dict(completion: Completion) -> dict[str, Any]:
    return asdict(completion)


def completion_of(stored: dict[str, Any]) -> tuple[Completion, str | None] | None:
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


def now() -> str:
    return datetime.now(UTC).isoformat()
