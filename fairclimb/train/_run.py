"""One training run, whichever the trainer: check everything, then train, resumably.

Order matters. Every check a person's input can fail (the output directory, the name,
the base checkpoint, the device, the examples through the data gate) runs before
anything is written, so bad input leaves no directory and no registry entry. Then:

* ``DIR/fairclimb-run.json`` records what the directory is for (trainer, source,
  options); a rerun with the same ``--out`` must ask for the same trainer and source;
* TRL writes ``DIR/checkpoint-N`` every ``save_steps``; a killed run (Ctrl-C,
  ``kill -9``) rerun with the same ``--out`` resumes from the newest one, and
  ``metrics.jsonl`` drops the lines logged after it;
* at the end the model is saved in ``DIR`` (LoRA adapters merged in, so the hf backend
  loads it like any checkpoint), ``metrics.svg`` is drawn, the lineage is written
  (``DIR/fairclimb-train.json``: its presence means "finished") and the checkpoint is
  registered; the intermediate checkpoints are then removed;
* a finished run rerun does nothing and says so.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
import shutil
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from fairclimb.errors import UserInputError
from fairclimb.models import resolve_device
from fairclimb.store import Store
from fairclimb.train._extra import require_train_extra
from fairclimb.train._finish import LINEAGE_FILE, finish_run, registered_again
from fairclimb.train._metrics import MetricsLog
from fairclimb.train._model import resolve_base
from fairclimb.train._options import TrainerKind, TrainOptions, TrainOutcome, TrainSource
from fairclimb.train._setup import Examples, Setup

__all__ = ["RUN_FILE", "run"]

logger = logging.getLogger(__name__)

RUN_FILE = "fairclimb-run.json"
_MODULES = {TrainerKind.SFT: "_sft", TrainerKind.DPO: "_dpo",
            TrainerKind.REWARD: "_reward_model", TrainerKind.GRPO: "_grpo"}
_CHECKPOINT = re.compile(r"checkpoint-(\d+)")


def run(store: Store, kind: TrainerKind, source: TrainSource, options: TrainOptions,
        progress: Callable[[int, int], None] | None = None) -> TrainOutcome:
    started = time.monotonic()
    options = replace(options, out=options.out.expanduser().resolve())
    out = options.out
    _check_options(options)
    if (out / LINEAGE_FILE).is_file():
        _refuse_other_finished(out, kind, source, options)
        return registered_again(store, kind, options)
    _check_out(out, kind, source)
    _check_name(store, options)
    base = resolve_base(store, options.base)
    module = importlib.import_module(f"fairclimb.train.{_MODULES[kind]}")
    examples: Examples = module.examples(store, source, options)
    require_train_extra()  # after the cheap checks: a typo is named before a slow import
    device = resolve_device(options.device)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        _write_run_file(out, kind, source, options)
        setup = Setup(store, options, base, device, examples, callbacks=[])
        with _libraries_quiet():
            trainer, resumed, held_out = _train(module, setup, progress)
    except BaseException:
        if created and not _checkpoints(out):  # nothing worth resuming: leave no trace
            shutil.rmtree(out, ignore_errors=True)
        raise
    with _libraries_quiet():
        return finish_run(store, kind, source, setup, trainer,
                          resumed_from_step=resumed, held_out=held_out,
                          wall_s=time.monotonic() - started)


def _check_options(options: TrainOptions) -> None:
    if options.max_steps is not None and options.max_steps < 1:
        raise UserInputError("--max-steps must be at least 1")
    if options.epochs <= 0 or options.lr <= 0 or options.batch_size < 1:
        raise UserInputError("--epochs and --lr must be positive and --batch-size at least 1")
    if options.lora and (options.lora_r < 1 or options.lora_alpha < 1):
        raise UserInputError("--lora-r and --lora-alpha must be at least 1")
    if options.num_generations < 2:
        raise UserInputError("--num-generations must be at least 2 (GRPO compares a group)")


def _checkpoints(out: Path) -> list[tuple[int, Path]]:
    """The complete checkpoints in *out*, oldest first. transformers writes a
    checkpoint's trainer_state.json last, so one without it was cut by a kill."""
    found = []
    if out.is_dir():
        for child in out.iterdir():
            match = _CHECKPOINT.fullmatch(child.name)
            if match and (child / "trainer_state.json").is_file():
                found.append((int(match.group(1)), child))
    return sorted(found)


def _check_out(out: Path, kind: TrainerKind, source: TrainSource) -> None:
    """A new or empty directory, or one an earlier run of the same training made."""
    if out.exists() and not out.is_dir():
        raise UserInputError(f"--out {out} is a file; give a directory for the checkpoint")
    if not out.exists() or not any(out.iterdir()):
        return
    marker = out / RUN_FILE
    if not marker.is_file():
        raise UserInputError(f"--out {out} already holds files that are not a fairclimb "
                             "training run; give a new or empty directory")
    earlier = json.loads(marker.read_text(encoding="utf-8"))
    if earlier.get("trainer") != kind.value or earlier.get("source") != _source_json(source):
        raise UserInputError(
            f"--out {out} holds an unfinished {earlier.get('trainer')} run on "
            f"{earlier.get('described', 'other data')}; rerun that command to resume it, or "
            "give another --out")


def _refuse_other_finished(out: Path, kind: TrainerKind, source: TrainSource,
                           options: TrainOptions) -> None:
    """A finished run is "nothing to do" only for the same training: another trainer,
    data, base or hyperparameter is named, so a typo never passes as done."""
    marker = out / RUN_FILE
    if not marker.is_file():
        return  # made before the marker was kept: nothing to compare
    earlier = json.loads(marker.read_text(encoding="utf-8"))
    differs = [] if earlier.get("trainer") == kind.value else ["trainer"]
    if earlier.get("source") != _source_json(source):
        differs.append("dataset" if source.dataset is not None else "suites")
    was = earlier.get("options") or {}
    now = options.hyperparameters()
    differs += [f"--{key.replace('_', '-')}" for key in sorted(now)
                if key in was and was[key] != now[key]]
    if differs:
        raise UserInputError(
            f"--out {out} holds a finished {earlier.get('trainer')} run on "
            f"{earlier.get('described', 'other data')} with another {', '.join(differs)}; "
            "give another --out")


def _check_name(store: Store, options: TrainOptions) -> None:
    spec = store.get_model(options.registered_name)
    if spec is not None and Path(spec.model_id).resolve() != options.out:
        raise UserInputError(
            f"the name {options.registered_name!r} is already registered for {spec.model_id}; "
            "choose another with --name, or remove it with fairclimb models remove")


def _source_json(source: TrainSource) -> dict[str, Any]:
    return {"dataset": source.dataset, "suites": list(source.suites)}


def _write_run_file(out: Path, kind: TrainerKind, source: TrainSource,
                    options: TrainOptions) -> None:
    path = out / RUN_FILE
    if path.is_file():
        return  # a resumed run keeps the record of how it began
    path.write_text(json.dumps({"trainer": kind.value, "source": _source_json(source),
                                "described": source.describe(),
                                "options": options.hyperparameters()}, indent=2),
                    encoding="utf-8")


@contextmanager
def _libraries_quiet() -> Iterator[None]:
    """No tqdm bars from datasets and transformers, and none of their deprecation
    notices (about arguments fairclimb, not the user, passes): the caller's progress
    bar and metrics.jsonl say what happens."""
    import datasets
    import transformers

    logs: Any = transformers.logging  # partly unannotated
    bars = datasets.is_progress_bar_enabled()
    verbosity = logs.get_verbosity()
    datasets.disable_progress_bars()
    logs.disable_progress_bar()
    logs.set_verbosity_error()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        logs.set_verbosity(verbosity)
        logs.enable_progress_bar()
        if bars:
            datasets.enable_progress_bars()


def _quiet(trainer: Any) -> None:
    """transformers prints every log as a dict on stdout (or draws tqdm bars); the
    metrics go to metrics.jsonl and the progress to the caller's bar instead."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)


def _train(module: Any, setup: Setup, progress: Callable[[int, int], None] | None,
           ) -> tuple[Any, int | None, dict[str, float]]:
    from fairclimb.train._callbacks import RunCallback

    out = setup.options.out
    metrics = MetricsLog(out, setup.extra_metrics)
    checkpoints = _checkpoints(out)
    resumed = checkpoints[-1][0] if checkpoints else None
    if resumed is None:
        metrics.clear()
    else:
        metrics.truncate_after(resumed)
        logger.info("resuming %s from step %d", out, resumed)
    setup.callbacks.append(RunCallback(metrics, progress))
    try:
        trainer = module.build(setup)
        _quiet(trainer)
        trainer.train(resume_from_checkpoint=str(checkpoints[-1][1]) if checkpoints else None)
        held_out = (module.held_out_accuracy(trainer, len(setup.examples.held_out))
                    if hasattr(module, "held_out_accuracy") else {})
    finally:
        for resource in setup.resources:
            resource.close()
    return trainer, resumed, held_out
