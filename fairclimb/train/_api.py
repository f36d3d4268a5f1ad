"""The one entry point of every trainer: :func:`train`. Nothing heavy is imported
until the run engine has checked the input and found the ``train`` extra installed."""

from __future__ import annotations

from collections.abc import Callable

from fairclimb.store import Store
from fairclimb.train._options import TrainerKind, TrainOptions, TrainOutcome, TrainSource

__all__ = ["train"]

def train(store: Store, kind: TrainerKind, source: TrainSource, options: TrainOptions,
          progress: Callable[[int, int], None] | None = None) -> TrainOutcome:
    """Train *kind* on *source* from ``options.base`` into ``options.out`` and register
    the result as ``options.registered_name`` (backend ``hf``) with its lineage.

    Resumes an interrupted run in the same directory; a finished one is not trained
    again (``status`` says ``already_finished``). *progress* is called with (steps
    done, steps planned). Raises :class:`UserInputError` for bad input, before
    anything is written (a missing ``train`` extra included: it names the pip command).
    """
    from fairclimb.train._run import run

    return run(store, kind, source, options, progress)
