"""A local Hugging Face ``transformers`` checkpoint, on the device asked for.

``ModelSpec.model_id`` is the checkpoint's directory (``save_pretrained`` output); nothing
is downloaded. torch and transformers are imported only when this backend is created;
install them with ``pip install 'fairclimb[hf]'``. Chat models are prompted through the
tokenizer's chat template when it has one, else with plain ``role: content`` lines.

Requests are batched: every :meth:`HFBackend.complete` call joins a queue, and a worker
answers up to ``LocalOptions.batch_size`` queued requests with the same parameters in
one ``generate`` (left padding), in a worker thread, so the event loop stays free. The
interface stays one request, one answer, so the caller's cache, provenance and resume
are untouched; the batch is as large as the requests the caller keeps in flight
(``--concurrency``). Greedy decoding (temperature 0) gives the same text batched as
alone. Sampling draws every row from its own generator seeded with ``seed +
sample_index`` when a seed is given, so a seeded answer does not depend on which other
requests shared its batch. Stop sequences end a row early and are cut from the text.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fairclimb.errors import ProviderError, UserInputError
from fairclimb.models._device import resolve_device
from fairclimb.models._retry import RetryPolicy
from fairclimb.models._types import (
    ApiStyle,
    Completion,
    CompletionRequest,
    GenerationParams,
    LocalOptions,
    Message,
    ModelSpec,
)

__all__ = ["HFBackend", "create", "validate"]

logger = logging.getLogger(__name__)

_EXTRA_HINT = "the hf backend needs the 'hf' extra: pip install 'fairclimb[hf]'"
_GATHER_TICKS = 4  # event-loop turns a batch waits for requests woken by the last one


@dataclass(frozen=True, slots=True)
class _Generated:
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


@dataclass(slots=True)
class _Pending:
    request: CompletionRequest
    prompt: str
    future: asyncio.Future[_Generated]
    started: float = field(default_factory=time.perf_counter)


class HFBackend:
    """A :class:`~fairclimb.models.ModelBackend` answering from a local checkpoint."""

    def __init__(self, spec: ModelSpec, *, model: Any, tokenizer: Any, device: str,
                 batch_size: int = 1) -> None:
        self.spec = spec
        self.device = device
        self.batch_size = batch_size
        self._model = model
        self._tokenizer = tokenizer
        self._lock = threading.Lock()  # one generate at a time: it already uses every core
        self._served = Path(spec.model_id).name
        self._queue: list[_Pending] = []
        self._worker: asyncio.Task[None] | None = None
        self.batches: list[int] = []  # the size of every batch answered (for reports)

    def __repr__(self) -> str:
        return f"HFBackend(name={self.spec.name!r}, path={self.spec.model_id!r})"

    async def aclose(self) -> None:
        self._model = None
        self._tokenizer = None

    async def complete(self, request: CompletionRequest) -> Completion:
        if self._model is None:
            raise ProviderError(f"model {self.spec.name} was closed")
        prompt = (chat_prompt(self._tokenizer, request.messages)
                  if self.spec.style is ApiStyle.CHAT else request.prompt)
        loop = asyncio.get_running_loop()
        pending = _Pending(request, prompt, loop.create_future())
        self._queue.append(pending)
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._drain())
        generated = await pending.future
        return Completion(
            text=generated.text,
            finish_reason=generated.finish_reason,
            served_model=self._served,
            prompt_tokens=generated.prompt_tokens,
            completion_tokens=generated.completion_tokens,
            latency_s=time.perf_counter() - pending.started,
            attempts=1,
        )

    async def _drain(self) -> None:
        """Answer queued requests, a batch at a time, until the queue is empty."""
        batch: list[_Pending] = []
        try:
            while self._queue:
                for _ in range(_GATHER_TICKS):  # let requests woken just now join
                    if len(self._queue) >= self.batch_size:
                        break
                    await asyncio.sleep(0)
                batch = self._take_batch()
                if batch:
                    await self._answer(batch)
                batch = []
        except asyncio.CancelledError:  # the loop is ending: nobody may wait forever
            for pending in [*batch, *self._queue]:
                pending.future.cancel()
            self._queue.clear()
            raise

    def _take_batch(self) -> list[_Pending]:
        """Up to ``batch_size`` live requests sharing the first one's parameters."""
        self._queue = [p for p in self._queue if not p.future.done()]  # callers gone
        if not self._queue:
            return []
        params = self._queue[0].request.params
        batch = [p for p in self._queue if p.request.params == params][: self.batch_size]
        taken = {id(p) for p in batch}
        self._queue = [p for p in self._queue if id(p) not in taken]
        return batch

    async def _answer(self, batch: list[_Pending]) -> None:
        try:
            answers = await asyncio.to_thread(self._generate_locked, batch)
        except (RuntimeError, ValueError, IndexError) as exc:  # e.g. prompt too long
            error: Exception = ProviderError(
                f"model {self.spec.name} at {self.spec.model_id} failed to generate: "
                f"{type(exc).__name__}: {exc}")
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(error)
            return
        except Exception as exc:  # never leave a caller waiting: it sees the error
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
            return
        self.batches.append(len(batch))
        for pending, answer in zip(batch, answers, strict=True):
            if not pending.future.done():
                pending.future.set_result(answer)

    def _generate_locked(self, batch: list[_Pending]) -> list[_Generated]:
        with self._lock:
            if self._model is None:
                raise RuntimeError("the model was closed")
            return _generate(self._model, self._tokenizer, self.device,
                             [p.prompt for p in batch], [p.request for p in batch])


def validate(spec: ModelSpec) -> ModelSpec:
    """Keep the checkpoint's absolute path, so the model works from any directory
    (``validate_spec`` has already checked that it is a directory)."""
    return dataclasses.replace(spec, model_id=str(Path(spec.model_id).expanduser().resolve()))


def create(spec: ModelSpec, *, api_key: str | None, retry: RetryPolicy,
           local: LocalOptions | None = None) -> HFBackend:
    """Load the checkpoint at ``spec.model_id``; :class:`UserInputError` if there is none."""
    del api_key, retry  # a local model needs no key and is never retried
    local = local or LocalOptions()
    if local.batch_size < 1:
        raise UserInputError(f"--batch-size must be at least 1, not {local.batch_size}")
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise UserInputError(_EXTRA_HINT) from exc
    path = Path(spec.model_id).expanduser()
    if not path.is_dir():
        raise UserInputError(
            f"no Hugging Face checkpoint at {spec.model_id}: it is not a directory")
    device = resolve_device(local.device)
    dtype: dict[str, Any] = {"dtype" if _has_dtype_kwarg(transformers.__version__)
                             else "torch_dtype": "auto" if device == "cuda" else torch.float32}
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        model: Any = transformers.AutoModelForCausalLM.from_pretrained(
            path, local_files_only=True, **dtype)
    except (OSError, ValueError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserInputError(f"no Hugging Face checkpoint at {spec.model_id}: {first}") from exc
    _prepare_padding(tokenizer)
    model.to(device)
    model.eval()
    logger.info("loaded %s from %s on %s", spec.name, path, device)
    return HFBackend(spec, model=model, tokenizer=tokenizer, device=device,
                     batch_size=local.batch_size)


def _prepare_padding(tokenizer: Any) -> None:
    """Left padding, so every row of a batch ends where its prompt ends."""
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        if tokenizer.eos_token is None:
            raise UserInputError("the checkpoint's tokenizer has neither a padding nor an "
                                 "end-of-sequence token; save one with it (pad_token=...)")
        tokenizer.pad_token = tokenizer.eos_token


def _has_dtype_kwarg(version: str) -> bool:
    """transformers 4.56 renamed ``torch_dtype`` to ``dtype``."""
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= (4, 56)


def chat_prompt(tokenizer: Any, messages: tuple[Message, ...]) -> str:
    """The prompt text for chat ``messages``: the chat template, or plain lines."""
    if getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in messages],
            tokenize=False, add_generation_prompt=True)
        return str(text)
    lines = [f"{m.role}: {m.content}" for m in messages]
    return "\n".join([*lines, "assistant:"])


def _generate(model: Any, tokenizer: Any, device: str, prompts: list[str],
              requests: list[CompletionRequest]) -> list[_Generated]:
    """One left-padded ``generate`` for *prompts*, which share one parameter set."""
    import torch
    from transformers import LogitsProcessorList

    params = requests[0].params
    has_template = bool(getattr(tokenizer, "chat_template", None))
    encoded = tokenizer(prompts, return_tensors="pt", padding=True,
                        add_special_tokens=not has_template)
    input_ids = encoded["input_ids"].to(device)
    attention_mask = encoded["attention_mask"].to(device)
    width = int(input_ids.shape[1])
    stopper = _StopOnText(tokenizer, width, params.stop)
    options: dict[str, Any] = {
        "max_new_tokens": params.max_tokens, "pad_token_id": tokenizer.pad_token_id,
        "stopping_criteria": stopper.as_list(), "do_sample": False,
        "temperature": None, "top_p": None, "top_k": None,
    }
    if params.temperature > 0:  # each row samples from its own generator; see _RowSampler
        options["logits_processor"] = LogitsProcessorList(
            [_RowSampler(params, [r.sample_index for r in requests], device)])
    with torch.inference_mode():
        output = model.generate(input_ids=input_ids, attention_mask=attention_mask, **options)
    prompt_tokens = [int(n) for n in attention_mask.sum(dim=1).tolist()]
    return [_row_answer(tokenizer, output[row, width:].tolist(), stopper.ended.get(row),
                        prompt_tokens[row], params)
            for row in range(len(prompts))]


def _row_answer(tokenizer: Any, ids: list[int], stopped_at: int | None, prompt_tokens: int,
                params: GenerationParams) -> _Generated:
    """One row's text: up to where a stop sequence or end-of-sequence ended it."""
    eos = tokenizer.eos_token_id
    new_ids = [int(token) for token in ids[:stopped_at]]
    if eos is not None and eos in new_ids:
        new_ids = new_ids[: new_ids.index(eos) + 1]
    text = tokenizer.decode(new_ids, skip_special_tokens=True)
    cut, stopped = _cut_at_stop(text, params.stop)
    ended = stopped or (eos is not None and eos in new_ids) or len(new_ids) < params.max_tokens
    return _Generated(text=cut, finish_reason="stop" if ended else "length",
                      prompt_tokens=prompt_tokens, completion_tokens=len(new_ids))


def _cut_at_stop(text: str, stop: tuple[str, ...]) -> tuple[str, bool]:
    """``text`` up to the first stop sequence in it, and whether there was one."""
    found = [i for i in (text.find(s) for s in stop if s) if i >= 0]
    return (text[: min(found)], True) if found else (text, False)


class _StopOnText:
    """Ends a row once a stop sequence was decoded, and remembers after how many tokens
    (a finished row is then padded, and those pads are not part of its answer)."""

    def __init__(self, tokenizer: Any, width: int, stop: tuple[str, ...]) -> None:
        self._tokenizer = tokenizer
        self._width = width
        self._stop = stop
        self.ended: dict[int, int] = {}

    def as_list(self) -> Any:
        from transformers import StoppingCriteria, StoppingCriteriaList

        outer = self

        class _Criterion(StoppingCriteria):  # type: ignore[misc, unused-ignore]
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return outer.check(input_ids)

        return StoppingCriteriaList([_Criterion()] if any(self._stop) else [])

    def check(self, input_ids: Any) -> Any:
        import torch

        done = []
        for row in range(int(input_ids.shape[0])):
            if row not in self.ended:
                text = self._tokenizer.decode(input_ids[row, self._width:],
                                              skip_special_tokens=True)
                if _cut_at_stop(text, self._stop)[1]:
                    self.ended[row] = int(input_ids.shape[1]) - self._width
            done.append(row in self.ended)
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


class _RowSampler:
    """A logits processor that samples each row's next token (temperature, top-p) with
    that row's own generator, then leaves only that token possible for greedy search.

    ``generate`` has one random stream for the whole batch; a row's answer would then
    depend on which requests shared its batch. Seeded per row, it does not.
    """

    def __init__(self, params: GenerationParams, indices: list[int], device: str) -> None:
        import torch

        self._temperature = params.temperature
        self._top_p = params.top_p
        self._generators: list[Any] = []
        for index in indices:
            if params.seed is None:
                self._generators.append(None)
            else:
                generator = torch.Generator(device=device)
                generator.manual_seed(params.seed + index)
                self._generators.append(generator)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        probs = torch.softmax(scores.float() / self._temperature, dim=-1)
        if self._top_p < 1.0:
            ordered, order = torch.sort(probs, descending=True, dim=-1)
            outside = ordered.cumsum(dim=-1) - ordered > self._top_p  # keeps at least one
            probs = probs.scatter(-1, order, ordered.masked_fill(outside, 0.0))
        chosen = torch.full_like(scores, float("-inf"))
        for row, generator in enumerate(self._generators):
            token = torch.multinomial(probs[row], 1, generator=generator)
            chosen[row, token] = 0.0
        return chosen
