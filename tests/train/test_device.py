"""One fact, one shape: where a model runs is fairclimb.models' Device, for serving and
training alike, resolved to a torch device by one function."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_train_options_take_the_models_device() -> None:
    from fairclimb import models, train

    assert "Device" not in train.__all__
    assert not hasattr(train, "Device")
    options = train.TrainOptions(base="base", out=Path("out"), device=models.Device.CPU)
    assert options.hyperparameters()["device"] == "cpu"
    assert type(train.TrainOptions(base="base", out=Path("out")).device) is models.Device


def test_one_resolve_device() -> None:
    import fairclimb.train._model as train_model
    from fairclimb.models import Device, resolve_device

    assert not hasattr(train_model, "resolve_device")
    assert resolve_device(Device.CPU) == "cpu"


def test_cuda_asked_for_and_absent_is_one_sentence() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    from fairclimb.errors import UserInputError
    from fairclimb.models import Device, resolve_device

    assert resolve_device(Device.AUTO) == "cpu"
    with pytest.raises(UserInputError, match=r"^--device cuda was asked for, but torch sees "
                                             r"no CUDA GPU on this machine"):
        resolve_device(Device.CUDA)
