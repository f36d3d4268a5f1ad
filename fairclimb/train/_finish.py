"""The end of a run: the model saved where the hf backend can load it, the plot, the
lineage (whose file marks the run finished) and the registry entry."""

from __future__ import annotations

import importlib.metadata
import platform
import shutil
from pathlib import Path
from typing import Any

from fairclimb.store import Store
from fairclimb.train._lineage import LINEAGE_FILE, Lineage, read_lineage, register_trained
from fairclimb.train._metrics import METRICS_FILE, PLOT_FILE, read_metrics, write_plot
from fairclimb.train._model import checkpoint_hash
from fairclimb.train._options import RunStatus, TrainerKind, TrainOptions, TrainOutcome, TrainSource
from fairclimb.train._setup import Setup

__all__ = ["LINEAGE_FILE", "finish_run", "registered_again"]

_LIBRARIES = ("fairclimb", "torch", "transformers", "trl", "peft", "accelerate", "datasets")


def finish_run(store: Store, kind: TrainerKind, source: TrainSource, setup: Setup,
               trainer: Any, *, resumed_from_step: int | None, held_out: dict[str, float],
               wall_s: float) -> TrainOutcome:
    options = setup.options
    out = options.out
    _save_model(trainer, out)
    rows = read_metrics(out / METRICS_FILE)
    write_plot(rows, out / PLOT_FILE, f"fairclimb train {kind.value}: {options.registered_name}")
    steps = int(trainer.state.global_step)
    outcome = TrainOutcome(
        trainer=kind, status=RunStatus.FINISHED, name=options.registered_name, out=out,
        steps=steps, resumed_from_step=resumed_from_step, examples=len(setup.examples.train),
        device=setup.device, wall_s=wall_s, final=_last_values(rows), held_out=held_out)
    register_trained(store, options.registered_name, out,
                     _lineage(kind, source, setup, outcome))
    for child in out.iterdir():  # the model is saved; the resume points are no longer needed
        if child.is_dir() and child.name.startswith("checkpoint-"):
            shutil.rmtree(child, ignore_errors=True)
    return outcome


def registered_again(store: Store, kind: TrainerKind, options: TrainOptions) -> TrainOutcome:
    """A finished run asked again: nothing is trained; the registry entry is made if an
    earlier call stopped between the lineage and the registry."""
    out = options.out
    lineage = read_lineage(out)
    assert lineage is not None  # the caller found the file
    extra = lineage.model_extra or {}
    if store.get_model(lineage.name) is None:
        register_trained(store, lineage.name, out, lineage)
    return TrainOutcome(trainer=TrainerKind(lineage.trainer), status=RunStatus.ALREADY_FINISHED,
                        name=lineage.name, out=out, steps=int(extra.get("steps", 0)),
                        examples=int(extra.get("examples", 0)), device=lineage.device,
                        final=dict(extra.get("final") or {}),
                        held_out=dict(extra.get("held_out") or {}))


def _save_model(trainer: Any, out: Path) -> None:
    model = trainer.model
    if hasattr(model, "merge_and_unload"):  # LoRA: fold the adapters into the weights
        model = model.merge_and_unload()
    model.save_pretrained(out)
    trainer.processing_class.save_pretrained(out)


def _last_values(rows: list[dict[str, Any]]) -> dict[str, float]:
    last: dict[str, float] = {}
    for row in rows:
        for key, value in row.items():
            if isinstance(value, int | float) and not isinstance(value, bool) and key != "step":
                last[key] = float(value)
    return last


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _lineage(kind: TrainerKind, source: TrainSource, setup: Setup,
             outcome: TrainOutcome) -> Lineage:
    data = setup.examples.data  # the data gate's TrainingData, when from a dataset
    datasets = [data.lineage_entry()] if data is not None else []
    suites = set(setup.examples.suites) | set(data.trained_on if data is not None else ())
    return Lineage.model_validate({
        "name": outcome.name, "trainer": kind.value,
        "base": {"path": str(setup.base.path), "registered_as": setup.base.registered_as,
                 "sha256": checkpoint_hash(setup.base.path)},
        "datasets": datasets,
        "suites": [{"suite": suite, "split": split} for suite, split in sorted(suites)],
        "hyperparameters": setup.options.hyperparameters(),
        "seeds": {"seed": setup.options.seed, "data_seed": setup.options.seed},
        "libraries": _versions(), "device": outcome.device, "wall_s": round(outcome.wall_s, 3),
        "steps": outcome.steps, "resumed_from_step": outcome.resumed_from_step,
        "examples": outcome.examples, "final": outcome.final, "held_out": outcome.held_out,
        "reward_models": [setup.options.reward_model] if setup.options.reward_model else [],
        "source": source.describe(),
    })
