"""What a training run is asked to do, and what it did: plain typed records.

Nothing here imports torch or TRL, so the CLI and the facade stay light.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from fairclimb.executor import ExecutorChoice
from fairclimb.models import Device

__all__ = ["RunStatus", "TrainOptions", "TrainOutcome", "TrainSource", "TrainerKind"]


class TrainerKind(StrEnum):
    SFT = "sft"  # supervised fine-tuning on SFT records (TRL ``messages``)
    DPO = "dpo"  # direct preference optimisation on preference records
    REWARD = "reward"  # a reward model on people's preference records
    GRPO = "grpo"  # group-relative policy optimisation with execution rewards


class RunStatus(StrEnum):
    FINISHED = "finished"  # trained to the end in this call
    ALREADY_FINISHED = "already_finished"  # an earlier call finished it; nothing was done


@dataclass(frozen=True, slots=True)
class TrainSource:
    """Where the examples come from: a dataset, or (GRPO) suites' public tasks."""

    dataset: str | None = None
    suites: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.dataset is not None:
            return f"dataset {self.dataset}"
        return "suite " + ", ".join(self.suites)


@dataclass(frozen=True, slots=True)
class TrainOptions:
    """The options every trainer shares, and the few that only GRPO reads.

    ``max_steps`` None trains for ``epochs`` epochs; ``name`` None registers the
    checkpoint under the name of ``out``. ``save_steps`` is how often a checkpoint is
    written, i.e. how much a killed run can lose.
    """

    base: str
    out: Path
    name: str | None = None
    max_steps: int | None = None
    epochs: float = 1.0
    lr: float = 5e-5
    batch_size: int = 8
    seed: int = 0
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    device: Device = Device.AUTO
    max_length: int = 1024
    save_steps: int = 50
    logging_steps: int = 1
    override_contamination: str | None = None
    # GRPO only
    num_generations: int = 4
    max_completion_length: int = 256
    temperature: float = 1.0
    reward_model: str | None = None
    reward_model_weight: float = 0.5
    # reward model only: the share of preference pairs held out to measure accuracy
    eval_fraction: float = 0.2
    # grpo only: where the execution reward's checkers run (this machine or a Ray cluster)
    executor: ExecutorChoice = field(default_factory=ExecutorChoice)

    @property
    def registered_name(self) -> str:
        return self.name or self.out.resolve().name

    def hyperparameters(self) -> dict[str, Any]:
        """Every option as JSON-ready data (for the lineage and the run marker)."""
        values = asdict(self)
        del values["executor"]  # where rewards are computed changes no verdict
        values["out"] = str(self.out)
        values["device"] = self.device.value
        return values


@dataclass(frozen=True, slots=True)
class TrainOutcome:
    """What a call of :func:`~fairclimb.train.train` did."""

    trainer: TrainerKind
    status: RunStatus
    name: str
    out: Path
    steps: int
    resumed_from_step: int | None = None
    examples: int = 0
    device: str = ""
    wall_s: float = 0.0
    final: dict[str, float] = field(default_factory=dict)  # last logged metrics
    held_out: dict[str, float] = field(default_factory=dict)  # reward model accuracy

    def to_json(self) -> dict[str, Any]:
        return {"trainer": self.trainer.value, "status": self.status.value, "name": self.name,
                "out": str(self.out), "steps": self.steps,
                "resumed_from_step": self.resumed_from_step, "examples": self.examples,
                "device": self.device, "wall_s": round(self.wall_s, 3), "final": self.final,
                "held_out": self.held_out}
