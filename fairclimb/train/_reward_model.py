"""A reward model on the preference records people made (the "RLHF on human
feedback" step), with TRL's RewardTrainer. A seeded share of the pairs is held out
and never trained on; the model's pairwise accuracy there (chosen scored above
rejected) is measured at the end and recorded with the model."""

from __future__ import annotations

from typing import Any

from fairclimb.data import RecordKind
from fairclimb.store import Store
from fairclimb.train._dpo import PREFERENCE_KEYS
from fairclimb.train._examples import gated_rows, held_out_split, require_dataset_source
from fairclimb.train._model import load_scorer, lora_config
from fairclimb.train._options import TrainOptions, TrainSource
from fairclimb.train._setup import Examples, Setup

__all__ = ["build", "examples", "held_out_accuracy"]


def examples(store: Store, source: TrainSource, options: TrainOptions) -> Examples:
    dataset = require_dataset_source(source, "reward")
    rows, data = gated_rows(store, dataset, RecordKind.PREFERENCE, options, PREFERENCE_KEYS)
    train, held = held_out_split(rows, options.eval_fraction, options.seed)
    return Examples(train=train, held_out=held, data=data)


def build(setup: Setup) -> Any:
    import trl

    options = setup.options
    model, tokenizer = load_scorer(setup.base, setup.device)
    train, held = setup.datasets()
    # One evaluation batch where possible: TRL averages accuracy over batches.
    config = trl.RewardConfig(**setup.common_args(), max_length=options.max_length,
                              eval_strategy="no",
                              per_device_eval_batch_size=max(1, min(len(held or ()), 256)))
    return trl.RewardTrainer(
        model=model, args=config, train_dataset=train, eval_dataset=held,
        processing_class=tokenizer, callbacks=setup.callbacks,
        peft_config=(lora_config(options.lora_r, options.lora_alpha, "SEQ_CLS")
                     if options.lora else None))


def held_out_accuracy(trainer: Any, pairs: int) -> dict[str, float]:
    """Pairwise accuracy and mean margin on the held-out pairs."""
    metrics = trainer.evaluate()
    return {"pairs": float(pairs), "accuracy": float(metrics["eval_accuracy"]),
            "margin": float(metrics.get("eval_margin", 0.0))}
