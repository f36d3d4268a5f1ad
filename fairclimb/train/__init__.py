"""Train: fine-tuning through TRL (SFT, DPO, reward models, GRPO with execution rewards).

It never evaluates itself: rewards come from the evaluate part's harness, training
data from the data part's records (through a gate: no private-split or contaminated
records, no forbidden teacher without an override), and every trained model is
registered with its lineage. TRL, PEFT and torch are imported only by the trainers.
"""

import sys
import types
from typing import Any

from fairclimb.train._api import train
from fairclimb.train._card import write_model_card
from fairclimb.train._data import TrainingData, load_training_rows
from fairclimb.train._extra import TRAIN_EXTRA_HINT, require_train_extra
from fairclimb.train._lineage import (
    Lineage,
    LineageGraph,
    lineage_graph,
    trained_on,
)
from fairclimb.train._options import (
    RunStatus,
    TrainerKind,
    TrainOptions,
    TrainOutcome,
    TrainSource,
)
from fairclimb.train._reward import ExecutionReward, execution_reward

__all__ = [
    "ExecutionReward",
    "Lineage",
    "LineageGraph",
    "RunStatus",
    "TRAIN_EXTRA_HINT",
    "TrainOptions",
    "TrainOutcome",
    "TrainSource",
    "TrainerKind",
    "TrainingData",
    "execution_reward",
    "lineage_graph",
    "load_training_rows",
    "require_train_extra",
    "train",
    "trained_on",
    "write_model_card",
]


class _TrainPart(types.ModuleType):
    """``fairclimb.train`` is this part and also the public verb: once the part is
    imported, the import system binds it as ``fairclimb.train``, hiding the verb; so
    calling the part runs the verb (:func:`fairclimb.train._verb.train`)."""

    def __call__(self, *args: Any, **kwargs: Any) -> TrainOutcome:
        from fairclimb.train._verb import train as train_verb

        return train_verb(*args, **kwargs)


sys.modules[__name__].__class__ = _TrainPart
