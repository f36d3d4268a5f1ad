"""fairclimb train sft|dpo|reward|grpo: fine-tune a checkpoint through TRL.

The commands only parse options and call :func:`fairclimb.train.train`; torch and
TRL are imported there, never when the CLI starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from fairclimb.cli._common import (
    DbOption,
    ExecutorOption,
    RayAddressOption,
    executor_choice,
    progress_bar,
)
from fairclimb.errors import UserInputError
from fairclimb.models import Device
from fairclimb.settings import load_settings
from fairclimb.store import Store
from fairclimb.train import (
    RunStatus,
    TrainerKind,
    TrainOptions,
    TrainOutcome,
    TrainSource,
    train,
)

Base = Annotated[str, typer.Option("--base", help="A Hugging Face checkpoint directory, or a "
                                   "model registered with --backend hf.")]
Out = Annotated[Path, typer.Option("--out", help="Directory for checkpoints, metrics and the "
                                   "trained model; rerun with the same one to resume.")]
Dataset = Annotated[str, typer.Option("--dataset", "-d", help="The dataset to train on.")]
Name = Annotated[str | None, typer.Option("--name", help="Registered model name (default: "
                                          "the --out directory's name).")]
MaxSteps = Annotated[int | None, typer.Option("--max-steps", min=1, help="Stop after this "
                                              "many optimizer steps (overrides --epochs).")]
Epochs = Annotated[float, typer.Option("--epochs", min=0.0001)]
Lr = Annotated[float, typer.Option("--lr", min=0.0, help="Learning rate.")]
Batch = Annotated[int, typer.Option("--batch-size", min=1, help="Examples per device step.")]
Seed = Annotated[int, typer.Option("--seed")]
Lora = Annotated[bool, typer.Option("--lora", help="Train LoRA adapters (PEFT), merged into "
                                    "the saved model at the end.")]
LoraR = Annotated[int, typer.Option("--lora-r", min=1)]
LoraAlpha = Annotated[int, typer.Option("--lora-alpha", min=1)]
DeviceOpt = Annotated[Device, typer.Option("--device", help="auto, cpu or cuda.")]
SaveSteps = Annotated[int, typer.Option("--save-steps", min=1, help="Checkpoint every N "
                                        "steps (what a killed run can lose).")]
Override = Annotated[bool, typer.Option(
    "--override-contamination", help="Train even on records whose decontamination report "
    "is missing, stale or positive (needs --reason; recorded in the lineage).")]
Reason = Annotated[str | None, typer.Option("--reason", help="Why the override is sound.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")]


def _override(flag: bool, reason: str | None) -> str | None:
    """The override's reason, or None; each half without the other is refused."""
    if flag and not (reason or "").strip():
        raise UserInputError("--override-contamination needs --reason \"...\" saying why "
                             "training on unchecked or contaminated records is sound")
    if reason is not None and not flag:
        raise UserInputError("--reason explains --override-contamination; give both or "
                             "neither")
    return reason.strip() if flag and reason else None


def _go(kind: TrainerKind, source: TrainSource, options: TrainOptions, as_json: bool,
        db: str | None) -> None:
    err = Console(stderr=True)
    with Store.open(load_settings(db=db).db) as store, \
            progress_bar(err, f"train {kind.value}", lazy=True) as update:
        outcome = train(store, kind, source, options, update)
    if as_json:
        typer.echo(json.dumps(outcome.to_json(), indent=2))
        return
    _say(outcome)


def _say(outcome: TrainOutcome) -> None:
    console = Console()
    if outcome.status is RunStatus.ALREADY_FINISHED:
        console.print(f"{outcome.out} already holds a finished {outcome.trainer.value} run "
                      f"(model {outcome.name}); nothing to do", highlight=False)
        return
    resumed = (f", resumed from step {outcome.resumed_from_step}"
               if outcome.resumed_from_step is not None else "")
    console.print(f"trained {outcome.name} ({outcome.trainer.value}, {outcome.steps} steps "
                  f"on {outcome.examples} examples, {outcome.device}, "
                  f"{outcome.wall_s:.1f}s{resumed}) in {outcome.out}", highlight=False)
    if outcome.held_out:
        console.print(f"held-out pairwise accuracy {outcome.held_out['accuracy']:.3f} on "
                      f"{outcome.held_out['pairs']:.0f} pairs", highlight=False)
    console.print(f"registered as {outcome.name}; metrics in {outcome.out / 'metrics.jsonl'}",
                  highlight=False)


def _options(base: str, out: Path, name: str | None, max_steps: int | None, epochs: float,
             lr: float, batch_size: int, seed: int, lora: bool, lora_r: int, lora_alpha: int,
             device: Device, save_steps: int, override_contamination: bool,
             reason: str | None, **extra: Any) -> TrainOptions:
    """The options every trainer takes, in one place, plus a trainer's own (*extra*)."""
    return TrainOptions(base, out, name, max_steps, epochs, lr, batch_size, seed, lora,
                        lora_r, lora_alpha, device, save_steps=save_steps,
                        override_contamination=_override(override_contamination, reason),
                        **extra)


def _dataset_command(kind: TrainerKind, default_lr: float, doc: str) -> Callable[..., None]:
    """A trainer command on a dataset's records with only the shared options (SFT and
    DPO differ in their trainer and default learning rate alone)."""

    def command(dataset: Dataset, base: Base, out: Out, name: Name = None,
                max_steps: MaxSteps = None, epochs: Epochs = 1.0, lr: Lr = default_lr,
                batch_size: Batch = 8, seed: Seed = 0, lora: Lora = False,
                lora_r: LoraR = 16, lora_alpha: LoraAlpha = 32,
                device: DeviceOpt = Device.AUTO, save_steps: SaveSteps = 50,
                override_contamination: Override = False, reason: Reason = None,
                as_json: AsJson = False, db: DbOption = None) -> None:
        options = _options(base, out, name, max_steps, epochs, lr, batch_size, seed, lora,
                           lora_r, lora_alpha, device, save_steps, override_contamination,
                           reason)
        _go(kind, TrainSource(dataset=dataset), options, as_json, db)

    command.__doc__ = doc
    command.__name__ = f"{kind.value}_command"
    return command


sft_command = _dataset_command(
    TrainerKind.SFT, 2e-5, "Supervised fine-tuning on a dataset's SFT records (TRL "
    "SFTTrainer).")
dpo_command = _dataset_command(
    TrainerKind.DPO, 5e-6, "Direct preference optimisation on a dataset's preference "
    "records (TRL DPOTrainer).")


def reward_command(dataset: Dataset, base: Base, out: Out, name: Name = None,
                   max_steps: MaxSteps = None, epochs: Epochs = 1.0, lr: Lr = 1e-5,
                   batch_size: Batch = 8, seed: Seed = 0, lora: Lora = False,
                   lora_r: LoraR = 16, lora_alpha: LoraAlpha = 32,
                   device: DeviceOpt = Device.AUTO, save_steps: SaveSteps = 50,
                   held_out: Annotated[float, typer.Option(
                       "--held-out", min=0.01, max=0.9, help="Share of the pairs kept out of "
                       "training to measure pairwise accuracy.")] = 0.2,
                   override_contamination: Override = False, reason: Reason = None,
                   as_json: AsJson = False, db: DbOption = None) -> None:
    """A reward model on people's preference records (TRL RewardTrainer), with its
    held-out pairwise accuracy."""
    options = _options(base, out, name, max_steps, epochs, lr, batch_size, seed, lora, lora_r,
                       lora_alpha, device, save_steps, override_contamination, reason,
                       eval_fraction=held_out)
    _go(TrainerKind.REWARD, TrainSource(dataset=dataset), options, as_json, db)


def grpo_command(base: Base, out: Out,
                 suite: Annotated[list[str] | None, typer.Option(
                     "--suite", "-s", help="A suite whose public tasks are the prompts "
                     "(repeatable).")] = None,
                 dataset: Annotated[str | None, typer.Option(
                     "--dataset", "-d", help="Or: a dataset whose records' tasks are the "
                     "prompts.")] = None,
                 num_generations: Annotated[int, typer.Option(
                     "--num-generations", "-G", min=2, help="Completions per prompt.")] = 4,
                 max_completion_length: Annotated[int, typer.Option(
                     "--max-completion-length", min=1)] = 256,
                 reward_model: Annotated[str | None, typer.Option(
                     "--reward-model", help="A trained reward model scoring prompts without "
                     "tests (execution decides wherever tests exist).")] = None,
                 reward_model_weight: Annotated[float, typer.Option(
                     "--reward-model-weight", min=0.0)] = 0.5,
                 name: Name = None, max_steps: MaxSteps = None, epochs: Epochs = 1.0,
                 lr: Lr = 1e-6, batch_size: Batch = 8, seed: Seed = 0, lora: Lora = False,
                 lora_r: LoraR = 16, lora_alpha: LoraAlpha = 32,
                 device: DeviceOpt = Device.AUTO, save_steps: SaveSteps = 50,
                 override_contamination: Override = False, reason: Reason = None,
                 as_json: AsJson = False, db: DbOption = None,
                 executor: ExecutorOption = None, ray_address: RayAddressOption = None) -> None:
    """GRPO with execution rewards: the eval harness scores every completion."""
    options = _options(base, out, name, max_steps, epochs, lr, batch_size, seed, lora, lora_r,
                       lora_alpha, device, save_steps, override_contamination, reason,
                       num_generations=num_generations,
                       max_completion_length=max_completion_length,
                       reward_model=reward_model, reward_model_weight=reward_model_weight,
                       executor=executor_choice(load_settings(executor=executor,
                                                              ray_address=ray_address)))
    source = TrainSource(dataset=dataset, suites=tuple(suite or ()))
    _go(TrainerKind.GRPO, source, options, as_json, db)


def card_command(
    name: Annotated[str, typer.Argument(help="The trained model (its registry name).")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write README.md into.")],
    db: DbOption = None,
) -> None:
    """Write a Markdown model card with the model's lineage (teachers and their terms)."""
    from fairclimb.train import write_model_card

    with Store.open(load_settings(db=db).db) as store:
        path = write_model_card(store, name, out)
    Console().print(f"wrote {path}", highlight=False)


app = typer.Typer(name="train", help="Fine-tune a checkpoint: sft, dpo, reward, grpo "
                  "(needs the 'train' extra); card: a trained model's card.",
                  no_args_is_help=True)
COMMANDS = {"sft": sft_command, "dpo": dpo_command, "reward": reward_command,
            "grpo": grpo_command, "card": card_command}
