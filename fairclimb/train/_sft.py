"""Supervised fine-tuning on a dataset's SFT records (TRL ``messages``) with TRL's
SFTTrainer. The loss covers the whole rendered conversation (a checkpoint's own chat
template, or the plain ``role: content`` lines), as TRL does for ``messages`` rows."""

from __future__ import annotations

from typing import Any

from fairclimb.data import RecordKind
from fairclimb.store import Store
from fairclimb.train._examples import gated_rows, require_dataset_source
from fairclimb.train._model import load_causal_lm, lora_config
from fairclimb.train._options import TrainOptions, TrainSource
from fairclimb.train._setup import Examples, Setup

__all__ = ["build", "examples"]


def examples(store: Store, source: TrainSource, options: TrainOptions) -> Examples:
    dataset = require_dataset_source(source, "sft")
    rows, data = gated_rows(store, dataset, RecordKind.SFT, options, ("messages",))
    return Examples(train=rows, data=data)


def build(setup: Setup) -> Any:
    import trl

    options = setup.options
    model, tokenizer = load_causal_lm(setup.base, setup.device)
    train, _ = setup.datasets()
    config = trl.SFTConfig(**setup.common_args(), max_length=options.max_length)
    return trl.SFTTrainer(
        model=model, args=config, train_dataset=train, processing_class=tokenizer,
        callbacks=setup.callbacks,
        peft_config=(lora_config(options.lora_r, options.lora_alpha, "CAUSAL_LM")
                     if options.lora else None))
