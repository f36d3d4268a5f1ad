"""``fairclimb.train``, the public verb: a tiny SFT run through it, on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from trainer_fixtures import make_checkpoint, make_dataset, planted_votes, vote_texts

import fairclimb
from fairclimb.models import Device
from fairclimb.store import Store
from fairclimb.train import RunStatus, TrainerKind, TrainOptions, TrainOutcome, TrainSource

pytest.importorskip("trl", reason="the train extra is not installed")
pytestmark = pytest.mark.slow  # trains a tiny model for a few seconds


def test_the_train_verb_trains_and_registers(tmp_path: Path) -> None:
    votes = planted_votes(16)
    db = f"sqlite:///{tmp_path / 'fairclimb.db'}"
    with Store.open(db) as store:
        make_dataset(store, "votes", votes)
    base = make_checkpoint(tmp_path / "base", vote_texts(votes))
    options = TrainOptions(base=str(base), out=tmp_path / "student", max_steps=2,
                           batch_size=8, device=Device.CPU, save_steps=2)
    outcome = fairclimb.train(TrainerKind.SFT, TrainSource(dataset="votes"), options, db=db)
    assert isinstance(outcome, TrainOutcome)
    assert outcome.status is RunStatus.FINISHED and outcome.steps == 2
    with Store.open(db) as store:
        spec = store.get_model("student")
    assert spec is not None and spec.backend == "hf"
