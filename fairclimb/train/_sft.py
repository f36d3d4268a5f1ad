"""Supervised fine-tuning on a dataset's SFT records (TRL ``messages``) with TRL's
SFTTrainer, the loss on the answer only.

Each conversation is split where its last assistant turn begins: everything before it
(system and user turns, earlier answers), rendered by the checkpoint's chat template
(or the plain ``role: content`` lines) with the generation prompt, is the *prompt*; the
rest of the rendered conversation is the *completion*. Handed to TRL as a
prompt-completion row, the prompt's tokens are masked from the loss
(``completion_only_loss``) and TRL ends the completion with the end-of-sequence token,
so the model learns to answer and to stop, not to predict the prompt (a docstring's
example outputs are noise it cannot learn). This is what TRL's users expect of
``messages`` rows without a ``{% generation %}`` template."""

from __future__ import annotations

from typing import Any

from fairclimb.data import RecordKind
from fairclimb.errors import UserInputError
from fairclimb.store import Store
from fairclimb.train._examples import gated_rows, require_dataset_source
from fairclimb.train._model import load_causal_lm, lora_config
from fairclimb.train._options import TrainOptions, TrainSource
from fairclimb.train._setup import Examples, Setup

__all__ = ["build", "examples", "prompt_completion"]


def examples(store: Store, source: TrainSource, options: TrainOptions) -> Examples:
    dataset = require_dataset_source(source, "sft")
    rows, data = gated_rows(store, dataset, RecordKind.SFT, options, ("messages",))
    for row in rows:
        _answer_start(row["messages"], dataset)  # refused before anything is written
    return Examples(train=rows, data=data)


def _answer_start(messages: list[dict[str, Any]], dataset: str) -> int:
    """The index of the last assistant turn, which must have something before it."""
    for index in range(len(messages) - 1, 0, -1):
        if messages[index].get("role") == "assistant":
            return index
    raise UserInputError(f"dataset {dataset} has an SFT record without an assistant answer "
                         "after a prompt; every SFT record's messages need a user turn and "
                         "then an assistant turn")


def prompt_completion(messages: list[dict[str, Any]], tokenizer: Any) -> dict[str, str]:
    """One conversation as TRL's (non-conversational) prompt-completion row."""
    start = _answer_start(messages, "")
    prompt = tokenizer.apply_chat_template(messages[:start], tokenize=False,
                                           add_generation_prompt=True)
    whole = tokenizer.apply_chat_template(messages[:start + 1], tokenize=False)
    if whole.startswith(prompt):
        completion = whole[len(prompt):]
    else:  # a template that renders the prompt differently alone: the answer itself
        completion = str(messages[start]["content"])
    return {"prompt": prompt, "completion": completion}


def build(setup: Setup) -> Any:
    import datasets
    import trl

    options = setup.options
    model, tokenizer = load_causal_lm(setup.base, setup.device)
    train = datasets.Dataset.from_list(
        [prompt_completion(row["messages"], tokenizer) for row in setup.examples.train])
    config = trl.SFTConfig(**setup.common_args(), max_length=options.max_length,
                           completion_only_loss=True)
    return trl.SFTTrainer(
        model=model, args=config, train_dataset=train, processing_class=tokenizer,
        callbacks=setup.callbacks,
        peft_config=(lora_config(options.lora_r, options.lora_alpha, "CAUSAL_LM")
                     if options.lora else None))
