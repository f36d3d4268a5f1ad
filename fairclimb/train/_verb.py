"""The public verb ``fairclimb.train``: open the store the settings name, then train."""

from __future__ import annotations

from collections.abc import Callable

from fairclimb.settings import Settings, load_settings
from fairclimb.store import Store
from fairclimb.train._api import train as train_into
from fairclimb.train._options import TrainerKind, TrainOptions, TrainOutcome, TrainSource

__all__ = ["train"]


def train(kind: TrainerKind, source: TrainSource, options: TrainOptions, *,
          db: str | None = None, settings: Settings | None = None,
          on_progress: Callable[[int, int], None] | None = None) -> TrainOutcome:
    """Fine-tune (SFT, DPO, reward model, GRPO) and register the result with its
    lineage (``fairclimb train ...``); needs the ``train`` extra."""
    chosen = settings if settings is not None else load_settings(db=db)
    with Store.open(chosen.db) as store:
        return train_into(store, kind, source, options, on_progress)
