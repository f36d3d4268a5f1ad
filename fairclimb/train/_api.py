"""The one entry point of every trainer: :func:`train`.

It checks that the ``train`` extra is installed (saying the pip command when it is
not) before anything heavy is imported, then hands over to the run engine.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from fairclimb.errors import UserInputError
from fairclimb.store import Store
from fairclimb.train._options import TrainerKind, TrainOptions, TrainOutcome, TrainSource

__all__ = ["TRAIN_EXTRA_HINT", "require_train_extra", "train"]

TRAIN_EXTRA_HINT = "pip install 'fairclimb[train]'"
_STACK = ("torch", "transformers", "trl", "peft", "accelerate", "datasets")


def require_train_extra() -> None:
    """:class:`UserInputError` naming the pip command when the training stack is absent."""
    missing = []
    for name in _STACK:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise UserInputError(f"training needs the 'train' extra ({', '.join(missing)} "
                             f"missing): {TRAIN_EXTRA_HINT}")


def train(store: Store, kind: TrainerKind, source: TrainSource, options: TrainOptions,
          progress: Callable[[int, int], None] | None = None) -> TrainOutcome:
    """Train *kind* on *source* from ``options.base`` into ``options.out`` and register
    the result as ``options.registered_name`` (backend ``hf``) with its lineage.

    Resumes an interrupted run in the same directory; a finished one is not trained
    again (``status`` says ``already_finished``). *progress* is called with (steps
    done, steps planned). Raises :class:`UserInputError` for bad input, before
    anything is written.
    """
    require_train_extra()
    from fairclimb.train._run import run

    return run(store, kind, source, options, progress)
