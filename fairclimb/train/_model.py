"""The base checkpoint a run starts from: which directory, on which device, how it is
prompted, and LoRA adapters around it.

``resolve_base`` only checks (it runs before anything is written; the device is
fairclimb.models' ``resolve_device``); ``load_causal_lm`` and ``load_scorer`` load. A
checkpoint without a chat template gets the plain ``role: content`` lines the hf
backend already prompts such models with, so a trained model is asked the way it was
trained.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fairclimb.errors import UserInputError
from fairclimb.store import Store

__all__ = ["PLAIN_CHAT_TEMPLATE", "BaseModel", "checkpoint_hash", "load_causal_lm",
           "load_scorer", "lora_config", "resolve_base"]

# Renders exactly what fairclimb.models' hf backend sends a model without a template.
# The newlines are expressions: Hugging Face renders templates with trim_blocks, which
# drops a literal newline written right after a block tag. No newline ends the last
# message, so an SFT answer ends where its text does (then end-of-sequence).
PLAIN_CHAT_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}"
    "{% if not loop.last %}{{ '\\n' }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '\\nassistant:' }}{% endif %}"
)


@dataclass(frozen=True, slots=True)
class BaseModel:
    path: Path  # the checkpoint directory
    registered_as: str | None  # the registry name when --base named a registered model


def resolve_base(store: Store, base: str) -> BaseModel:
    """A checkpoint directory, or a model registered with ``--backend hf``."""
    path = Path(base).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise UserInputError(f"--base {base}: the directory has no config.json; give the "
                                 "folder save_pretrained wrote (a Hugging Face checkpoint)")
        return BaseModel(path.resolve(), None)
    spec = store.get_model(base)
    if spec is None:
        raise UserInputError(f"--base {base}: no such checkpoint directory and no registered "
                             "model of that name (register one with fairclimb models add "
                             "NAME --backend hf --model DIR)")
    if spec.backend != "hf":
        raise UserInputError(f"--base {base}: the model is served by the {spec.backend} "
                             "backend; training needs local weights (a model registered with "
                             "--backend hf, or a checkpoint directory)")
    return resolve_base_dir(spec.model_id, base)


def resolve_base_dir(model_id: str, name: str) -> BaseModel:
    path = Path(model_id).expanduser()
    if not (path / "config.json").is_file():
        raise UserInputError(f"--base {name}: its checkpoint {model_id} is gone or has no "
                             "config.json")
    return BaseModel(path.resolve(), name)


def checkpoint_hash(path: Path) -> str:
    """SHA-256 over the checkpoint's file names and contents (weights, config,
    tokenizer), so the lineage names exactly which base a model grew from."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        relative = file.relative_to(path).as_posix()
        if relative.startswith(("checkpoint-", ".")):
            continue
        digest.update(relative.encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def load_tokenizer(path: Path) -> Any:
    import transformers

    tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = PLAIN_CHAT_TEMPLATE
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(base: BaseModel, device: str) -> tuple[Any, Any]:
    """The policy and its tokenizer (float32 on CPU; the checkpoint's dtype on GPU)."""
    import transformers

    tokenizer = load_tokenizer(base.path)
    model = _load(transformers.AutoModelForCausalLM, base, device)
    return model, tokenizer


def load_scorer(base: BaseModel, device: str) -> tuple[Any, Any]:
    """A sequence classifier with one output (a reward model) and its tokenizer."""
    import transformers

    tokenizer = load_tokenizer(base.path)
    model = _load(transformers.AutoModelForSequenceClassification, base, device, num_labels=1)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def _load(auto: Any, base: BaseModel, device: str, **extra: Any) -> Any:
    import torch

    dtype = "auto" if device == "cuda" else torch.float32
    try:
        model = auto.from_pretrained(base.path, local_files_only=True, dtype=dtype, **extra)
    except (OSError, ValueError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserInputError(f"--base {base.registered_as or base.path}: cannot load the "
                             f"checkpoint: {first}") from exc
    return model


def lora_config(r: int, alpha: int, task_type: str) -> Any:
    """PEFT LoRA on every linear layer (``task_type`` CAUSAL_LM or SEQ_CLS)."""
    import peft

    return peft.LoraConfig(r=r, lora_alpha=alpha, lora_dropout=0.0,
                           target_modules="all-linear", task_type=task_type)
