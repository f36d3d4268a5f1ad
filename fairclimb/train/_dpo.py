"""Direct preference optimisation on a dataset's preference records (conversational
``prompt``/``chosen``/``rejected``) with TRL's DPOTrainer; the frozen reference is
the base checkpoint itself (TRL makes it; with LoRA, the adapter-free model)."""

from __future__ import annotations

from typing import Any

from fairclimb.data import RecordKind
from fairclimb.store import Store
from fairclimb.train._examples import gated_rows, require_dataset_source
from fairclimb.train._model import load_causal_lm, lora_config
from fairclimb.train._options import TrainOptions, TrainSource
from fairclimb.train._setup import Examples, Setup

__all__ = ["PREFERENCE_KEYS", "build", "examples"]

PREFERENCE_KEYS = ("prompt", "chosen", "rejected")


def examples(store: Store, source: TrainSource, options: TrainOptions) -> Examples:
    dataset = require_dataset_source(source, "dpo")
    rows, data = gated_rows(store, dataset, RecordKind.PREFERENCE, options, PREFERENCE_KEYS)
    return Examples(train=rows, data=data)


def build(setup: Setup) -> Any:
    import trl

    options = setup.options
    model, tokenizer = load_causal_lm(setup.base, setup.device)
    train, _ = setup.datasets()
    config = trl.DPOConfig(**setup.common_args(), max_length=options.max_length)
    return trl.DPOTrainer(
        model=model, args=config, train_dataset=train, processing_class=tokenizer,
        callbacks=setup.callbacks,
        peft_config=(lora_config(options.lora_r, options.lora_alpha, "CAUSAL_LM")
                     if options.lora else None))
