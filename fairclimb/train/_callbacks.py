"""The TrainerCallback every run carries: metrics to JSONL as they are logged, and
progress (steps done of steps planned) to whoever shows it (the CLI: Rich, with rate
and ETA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from transformers import TrainerCallback

from fairclimb.train._metrics import MetricsLog

__all__ = ["RunCallback"]


class RunCallback(TrainerCallback):
    def __init__(self, metrics: MetricsLog,
                 progress: Callable[[int, int], None] | None) -> None:
        self.metrics = metrics
        self.progress = progress

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._report(state)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._report(state)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None,
               **kwargs: Any) -> None:
        if logs:
            self.metrics.log(int(state.global_step), state.epoch, logs)

    def _report(self, state: Any) -> None:
        if self.progress is not None:
            self.progress(int(state.global_step), int(state.max_steps or 0))
