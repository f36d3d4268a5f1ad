"""What every trainer module is handed: the examples, the loaded base, the TRL
arguments all trainers share, and the callbacks (metrics, progress)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fairclimb.store import Store
from fairclimb.train._model import BaseModel
from fairclimb.train._options import TrainOptions

__all__ = ["Examples", "Setup"]


@dataclass(frozen=True, slots=True)
class Examples:
    """A trainer's examples in TRL's format, and where they came from.

    ``data`` is the data gate's answer for a dataset (its record ids and hash, for the
    lineage); ``suites`` names each (suite, split) trained on; ``tasks`` are the tasks
    GRPO rewards are computed for.
    """

    train: list[dict[str, Any]]
    held_out: list[dict[str, Any]] = field(default_factory=list)
    data: Any = None
    suites: tuple[tuple[str, str], ...] = ()
    tasks: tuple[Any, ...] = ()


@dataclass(slots=True)
class Setup:
    store: Store
    options: TrainOptions
    base: BaseModel
    device: str
    examples: Examples
    callbacks: list[Any]
    resources: list[Any] = field(default_factory=list)  # closed when the run ends
    # Extra entries for each metrics line (GRPO: execution statuses since the last log).
    metric_sources: list[Callable[[], Mapping[str, Any]]] = field(default_factory=list)

    def extra_metrics(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for source in self.metric_sources:
            merged.update(source())
        return merged

    def common_args(self) -> dict[str, Any]:
        """The TRL config arguments every trainer shares."""
        options = self.options
        return {
            "output_dir": str(options.out),
            "max_steps": options.max_steps if options.max_steps is not None else -1,
            "num_train_epochs": options.epochs,
            "learning_rate": options.lr,
            "per_device_train_batch_size": options.batch_size,
            "seed": options.seed,
            "data_seed": options.seed,
            "save_strategy": "steps",
            "save_steps": options.save_steps,
            "save_total_limit": 2,
            "logging_steps": options.logging_steps,
            "report_to": [],
            "use_cpu": self.device == "cpu",
            "disable_tqdm": True,
            "dataloader_num_workers": 0,
            # TRL turns it on by default; it trades speed for memory that small runs and
            # CPUs do not need.
            "gradient_checkpointing": False,
        }

    def datasets(self) -> tuple[Any, Any]:
        """The examples as Hugging Face datasets (held-out None when there is none)."""
        import datasets

        train = datasets.Dataset.from_list(self.examples.train)
        held = (datasets.Dataset.from_list(self.examples.held_out)
                if self.examples.held_out else None)
        return train, held
