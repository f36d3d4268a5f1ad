"""Which torch device a local model runs on, for serving (the hf backend) and training
alike: one rule, one error message."""

from __future__ import annotations

from fairclimb.errors import UserInputError
from fairclimb.models._types import Device

__all__ = ["resolve_device"]


def resolve_device(wanted: Device) -> str:
    """The torch device for *wanted*; :class:`UserInputError` if CUDA is asked for and absent.

    Checks only (torch is imported here, lazily): it runs before anything is loaded, so
    a wrong flag is named before a slow load.
    """
    import torch

    if wanted is Device.CPU:
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if wanted is Device.CUDA:
        raise UserInputError("--device cuda was asked for, but torch sees no CUDA GPU on this "
                             "machine; use --device cpu (or auto)")
    return "cpu"
