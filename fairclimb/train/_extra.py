"""Whether the training stack (the ``train`` extra) is installed."""

from __future__ import annotations

import importlib

from fairclimb.errors import UserInputError

__all__ = ["TRAIN_EXTRA_HINT", "require_train_extra"]

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
