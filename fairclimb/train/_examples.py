"""Examples for the trainers, always through the data part's gate (lineage's
``load_training_rows``): no private-split, contaminated or forbidden records reach a
trainer, whichever trainer asks."""

from __future__ import annotations

import random
from typing import Any

from fairclimb.data import RecordKind
from fairclimb.errors import UserInputError
from fairclimb.store import Store
from fairclimb.train._options import TrainOptions, TrainSource

__all__ = ["gated_rows", "held_out_split", "require_dataset_source"]


def require_dataset_source(source: TrainSource, trainer: str) -> str:
    if source.dataset is None or source.suites:
        raise UserInputError(f"fairclimb train {trainer} trains on a dataset: give "
                             "--dataset NAME")
    return source.dataset


def gated_rows(store: Store, dataset: str, kind: RecordKind, options: TrainOptions,
               keys: tuple[str, ...]) -> tuple[list[dict[str, Any]], Any]:
    """The dataset's rows of *kind* that pass the gate, keeping only *keys*, and the
    gate's whole answer (record ids and hash, for the lineage)."""
    from fairclimb.train._data import load_training_rows

    data = load_training_rows(store, dataset, kind,
                              override_contamination=options.override_contamination)
    rows = [{key: row[key] for key in keys} for row in data.rows]
    if not rows:
        raise UserInputError(f"dataset {dataset} has no usable {kind.value} records to train "
                             "on")
    return rows, data


def held_out_split(rows: list[dict[str, Any]], fraction: float,
                   seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A seeded split: (train, held out); at least one row on each side."""
    if len(rows) < 2:
        raise UserInputError("a reward model needs at least 2 preference records: some to "
                             "train on and some to measure its accuracy on")
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    count = min(len(rows) - 1, max(1, round(len(rows) * fraction)))
    held = sorted(order[:count])
    chosen = set(held)
    return [rows[i] for i in range(len(rows)) if i not in chosen], [rows[i] for i in held]
