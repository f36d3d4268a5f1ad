"""Live battles: a rater writes a prompt, two models the admin enabled answer it now.

The pair is drawn by the same sampling policy as stored battles (pair probabilities
over the enabled models, sides by a coin), so live votes can be reweighted like any
other. Every call goes through the model registry (the spec, its endpoint and terms)
and the generation cache (content-addressed: a repeated call is never paid twice, and
its request, terms and what the provider reported are kept as provenance).
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from fairclimb.arena._generations import shown_code
from fairclimb.arena._records import ArenaDenied
from fairclimb.arena._sampling import PairStats, Pool, pair_probabilities
from fairclimb.errors import UnknownModelError, UserInputError
from fairclimb.evaluate import build_request
from fairclimb.models import (
    CompletionRequest,
    GenerationParams,
    Message,
    ModelSpec,
    StreamingBackend,
    TextSink,
    open_backend,
)
from fairclimb.store import ArenaStore, Store
from fairclimb.suites import Task

__all__ = ["LIVE_PARAMS", "LiveAnswer", "LiveJob", "LiveJobs", "LiveModels",
           "draw_live_pair"]

LIVE_PARAMS = GenerationParams(temperature=0.7, max_tokens=1024)
_ENABLED_KEY = "live_models"
_MAX_PROMPT = 20_000


@dataclass(frozen=True, slots=True)
class LiveAnswer:
    model: str
    text: str
    cached: bool


@dataclass
class LiveJob:
    """A live battle being answered: what has arrived so far, then its battle (or why
    there is none). Read by the page's event stream while a worker thread fills it."""

    id: str
    rater_id: int
    language: str
    kind: str
    answers: dict[int, LiveAnswer] = field(default_factory=dict)  # side (0 = A) -> answer
    partial: dict[int, str] = field(default_factory=dict)  # side -> the text so far
    battle_id: int | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)

    def add_text(self, side: int, piece: str) -> None:
        """One streamed piece of a side's answer (the page shows the text so far)."""
        self.partial[side] = self.partial.get(side, "") + piece


class LiveJobs:
    """The live battles of this server process (a job lives for an hour)."""

    _TTL_S = 3600.0

    def __init__(self) -> None:
        self._jobs: dict[str, LiveJob] = {}
        self._lock = threading.Lock()

    def new(self, rater_id: int, language: str, kind: str) -> LiveJob:
        job = LiveJob(secrets.token_urlsafe(16), rater_id, language, kind)
        with self._lock:
            now = time.monotonic()
            for old in [k for k, j in self._jobs.items() if now - j.started > self._TTL_S]:
                del self._jobs[old]
            self._jobs[job.id] = job
        return job

    def get(self, rater_id: int, job_id: str) -> LiveJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.rater_id != rater_id:
            raise ArenaDenied("this live task is not yours, or it has expired")
        return job


class LiveModels:
    """Which registered models may answer raters live, and asking them."""

    def __init__(self, store: Store, data: ArenaStore,
                 environ: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.data = data
        self.environ: Mapping[str, str] = environ or {}

    def enabled(self) -> list[str]:
        names = self.data.config().get(_ENABLED_KEY, [])
        return sorted(str(n) for n in names) if isinstance(names, list) else []

    def set_enabled(self, name: str, enabled: bool) -> list[str]:
        """Enable (or disable) a registered model for live battles; an unregistered one
        is refused, so raters are never shown a model nobody vetted."""
        if enabled and self.store.get_model(name) is None:
            raise UnknownModelError(name, [spec.name for spec in self.store.list_models()])
        names = set(self.enabled())
        names = names | {name} if enabled else names - {name}
        self.data.set_config(_ENABLED_KEY, sorted(names))
        return sorted(names)

    def specs(self) -> list[ModelSpec]:
        """The enabled models that are still registered."""
        specs = [self.store.get_model(name) for name in self.enabled()]
        return [spec for spec in specs if spec is not None]

    def answer(self, specs: Sequence[ModelSpec], prompt: str,
               on_answer: Callable[[int, LiveAnswer], None] | None = None,
               on_text: Callable[[int, str], None] | None = None,
               task: Task | None = None) -> list[LiveAnswer]:
        """Each model's answer to *prompt*, asked concurrently, through the cache;
        *on_answer* is told (index, answer) as each arrives and *on_text* (index,
        piece) each piece a streaming backend sends before that. For a suite *task*
        the models get the request evaluation makes, and the answer is its code."""
        check_prompt(prompt)
        calls = _answer_all(self.store, specs, prompt, self.environ, on_answer, on_text,
                            task)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(calls)
        # Called from a thread that runs an event loop (a notebook, a test browser):
        # the calls get a loop of their own in a worker thread.
        with ThreadPoolExecutor(1) as worker:
            return worker.submit(asyncio.run, calls).result()


def check_prompt(prompt: str) -> None:
    if not prompt.strip():
        raise UserInputError("write a prompt for the two models to answer")
    if len(prompt) > _MAX_PROMPT:
        raise UserInputError(f"the prompt is limited to {_MAX_PROMPT} characters")


def draw_live_pair(models: Sequence[str], stats: dict[tuple[str, str], PairStats],
                   battles: dict[str, int], rng: np.random.Generator
                   ) -> tuple[str, str, float]:
    """Two of *models* under the sampling policy, sides by a coin, and the pair's
    probability (what the battle stores, so votes can be reweighted)."""
    if len(set(models)) < 2:
        raise UserInputError("live battles need two models enabled for the arena; an "
                             "admin enables them with 'fairclimb arena enable-model NAME'")
    pool = Pool.of((i + 1, 0, model, None) for i, model in enumerate(sorted(set(models))))
    probabilities = pair_probabilities(pool, stats, battles)
    pairs = sorted(probabilities)
    weights = np.array([probabilities[p] for p in pairs])
    pair = pairs[int(rng.choice(len(pairs), p=weights / weights.sum()))]
    first, second = pair if rng.random() < 0.5 else (pair[1], pair[0])
    return first, second, probabilities[pair]


async def _answer_all(store: Store, specs: Sequence[ModelSpec], prompt: str,
                      environ: Mapping[str, str],
                      on_answer: Callable[[int, LiveAnswer], None] | None,
                      on_text: Callable[[int, str], None] | None,
                      task: Task | None) -> list[LiveAnswer]:
    async def one(index: int, spec: ModelSpec) -> LiveAnswer:
        sink = None if on_text is None else partial(on_text, index)
        answer = await _answer(store, spec, prompt, environ, sink, task)
        if on_answer is not None:
            on_answer(index, answer)
        return answer

    return list(await asyncio.gather(*(one(i, spec) for i, spec in enumerate(specs))))


async def _answer(store: Store, spec: ModelSpec, prompt: str,
                  environ: Mapping[str, str], on_text: TextSink | None,
                  task: Task | None) -> LiveAnswer:
    request = (build_request(task, spec.style, LIVE_PARAMS, 0) if task is not None else
               CompletionRequest(params=LIVE_PARAMS, messages=(Message("user", prompt),)))
    key = request.cache_key(spec)
    stored = store.get_generation(key)
    if stored is not None and isinstance(stored.get("text"), str):
        return LiveAnswer(spec.name, _shown(task, spec, stored["text"]), cached=True)
    backend = open_backend(spec, environ)
    try:
        # Streamed or not, the cache gets the same whole answer and provenance.
        if on_text is not None and isinstance(backend, StreamingBackend):
            completion = await backend.stream(request, on_text)
        else:
            completion = await backend.complete(request)
    finally:
        await backend.aclose()
    store.put_generation(key, spec.name, _request_record(request, spec, task), {
        "text": completion.text, "finish_reason": completion.finish_reason,
        "served_model": completion.served_model, "response_id": completion.response_id,
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens})
    return LiveAnswer(spec.name, _shown(task, spec, completion.text), cached=False)


def _shown(task: Task | None, spec: ModelSpec, text: str) -> str:
    """What the rater judges: for a suite task the code evaluation would run (as for
    imported generations), not the reply around it."""
    return text if task is None else shown_code(task, spec.style, text)


def _request_record(request: CompletionRequest, spec: ModelSpec, task: Task | None
                    ) -> dict[str, Any]:
    """What was asked, of whom, under which terms: the provenance a record needs."""
    record = {"messages": [{"role": m.role, "content": m.content} for m in request.messages],
              "params": request.params.as_dict(), "origin": "arena-live",
              "model_id": spec.model_id, "endpoint": spec.endpoint,
              "terms": spec.terms.value}
    if task is not None:  # the prompt hash import-generations matches tasks by
        record |= {"prompt": request.prompt, "prompt_hash": request.prompt_hash,
                   "task_id": task.task_id}
    return record
