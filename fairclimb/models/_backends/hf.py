"""A local Hugging Face ``transformers`` checkpoint, on the GPU if there is one, else the CPU.

``ModelSpec.model_id`` is the checkpoint's directory (``save_pretrained`` output); nothing
is downloaded. torch and transformers are imported only when this backend is created;
install them with ``pip install 'fairclimb[hf]'``. Chat models are prompted through the
tokenizer's chat template when it has one, else with plain ``role: content`` lines.
One ``generate`` runs at a time, in a worker thread, so the event loop stays free.
Sampling is seeded with ``seed + sample_index`` when a seed is given; temperature 0 is
greedy decoding. Stop sequences end generation early and are cut from the text.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairclimb.errors import ProviderError, UserInputError
from fairclimb.models._retry import RetryPolicy
from fairclimb.models._types import ApiStyle, Completion, CompletionRequest, Message, ModelSpec

__all__ = ["HFBackend", "create"]

logger = logging.getLogger(__name__)

_EXTRA_HINT = "the hf backend needs the 'hf' extra: pip install 'fairclimb[hf]'"


@dataclass(frozen=True, slots=True)
class _Generated:
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


class HFBackend:
    """A :class:`~fairclimb.models.ModelBackend` answering from a local checkpoint."""

    def __init__(self, spec: ModelSpec, *, model: Any, tokenizer: Any, device: str) -> None:
        self.spec = spec
        self._model = model
        self._tokenizer = tokenizer
        self._device = device
        self._lock = threading.Lock()  # one generate at a time: it already uses every core
        self._served = Path(spec.model_id).name

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
        started = time.perf_counter()
        try:
            generated = await asyncio.to_thread(self._generate_locked, prompt, request)
        except (RuntimeError, ValueError, IndexError) as exc:  # e.g. prompt too long
            raise ProviderError(
                f"model {self.spec.name} at {self.spec.model_id} failed to generate: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        return Completion(
            text=generated.text,
            finish_reason=generated.finish_reason,
            served_model=self._served,
            prompt_tokens=generated.prompt_tokens,
            completion_tokens=generated.completion_tokens,
            latency_s=time.perf_counter() - started,
            attempts=1,
        )

    def _generate_locked(self, prompt: str, request: CompletionRequest) -> _Generated:
        with self._lock:
            return _generate(self._model, self._tokenizer, self._device, prompt, request)


def create(spec: ModelSpec, *, api_key: str | None, retry: RetryPolicy) -> HFBackend:
    """Load the checkpoint at ``spec.model_id``; :class:`UserInputError` if there is none."""
    del api_key, retry  # a local model needs no key and is never retried
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise UserInputError(_EXTRA_HINT) from exc
    path = Path(spec.model_id).expanduser()
    if not path.is_dir():
        raise UserInputError(
            f"no Hugging Face checkpoint at {spec.model_id}: it is not a directory")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype: dict[str, Any] = {"dtype" if _has_dtype_kwarg(transformers.__version__)
                             else "torch_dtype": "auto" if device == "cuda" else torch.float32}
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        model: Any = transformers.AutoModelForCausalLM.from_pretrained(
            path, local_files_only=True, **dtype)
    except (OSError, ValueError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserInputError(f"no Hugging Face checkpoint at {spec.model_id}: {first}") from exc
    model.to(device)
    model.eval()
    logger.info("loaded %s from %s on %s", spec.name, path, device)
    return HFBackend(spec, model=model, tokenizer=tokenizer, device=device)


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


def _generate(model: Any, tokenizer: Any, device: str, prompt: str,
              request: CompletionRequest) -> _Generated:
    import torch

    params = request.params
    has_template = bool(getattr(tokenizer, "chat_template", None))
    encoded = tokenizer(prompt, return_tensors="pt", add_special_tokens=not has_template)
    input_ids = encoded["input_ids"].to(device)
    attention_mask = encoded["attention_mask"].to(device)
    prompt_len = int(input_ids.shape[1])
    eos = tokenizer.eos_token_id
    options: dict[str, Any] = {
        "max_new_tokens": params.max_tokens,
        "pad_token_id": tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos,
        "stopping_criteria": _stop_criteria(tokenizer, prompt_len, params.stop),
    }
    if params.temperature > 0:
        options.update(do_sample=True, temperature=params.temperature, top_p=params.top_p)
    else:
        options.update(do_sample=False, temperature=None, top_p=None, top_k=None)
    devices = [torch.cuda.current_device()] if device == "cuda" else []
    with torch.random.fork_rng(devices=devices), torch.inference_mode():
        if params.seed is not None:  # generate takes no Generator: seed a forked RNG
            torch.manual_seed(params.seed + request.sample_index)
        output = model.generate(input_ids=input_ids, attention_mask=attention_mask, **options)
    new_ids = [int(token) for token in output[0, prompt_len:].tolist()]
    if eos is not None and eos in new_ids:
        new_ids = new_ids[: new_ids.index(eos) + 1]
    text = tokenizer.decode(new_ids, skip_special_tokens=True)
    cut, stopped = _cut_at_stop(text, params.stop)
    ended = stopped or (eos is not None and eos in new_ids) or len(new_ids) < params.max_tokens
    return _Generated(text=cut, finish_reason="stop" if ended else "length",
                      prompt_tokens=prompt_len, completion_tokens=len(new_ids))


def _cut_at_stop(text: str, stop: tuple[str, ...]) -> tuple[str, bool]:
    """``text`` up to the first stop sequence in it, and whether there was one."""
    found = [i for i in (text.find(s) for s in stop if s) if i >= 0]
    return (text[: min(found)], True) if found else (text, False)


def _stop_criteria(tokenizer: Any, prompt_len: int, stop: tuple[str, ...]) -> Any:
    """A StoppingCriteriaList that ends generation once a stop sequence was decoded."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _StopOnText(StoppingCriteria):  # type: ignore[misc, unused-ignore]
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            text = tokenizer.decode(input_ids[0, prompt_len:], skip_special_tokens=True)
            done = _cut_at_stop(text, stop)[1]
            return torch.full((input_ids.shape[0],), done, dtype=torch.bool,
                              device=input_ids.device)

    return StoppingCriteriaList([_StopOnText()] if any(stop) else [])
