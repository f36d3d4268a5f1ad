"""GRPO with execution rewards: prompts from suites' public tasks (or from a dataset's
records that carry a task), rewarded by the eval harness itself.

Where a prompt has tests, execution decides its reward (lineage's
:class:`~fairclimb.train.ExecutionReward`: one persistent checker pool for the whole
run). ``--reward-model NAME`` adds a trained reward model's score for prompts without
tests only, weighted by ``reward_model_weight``; each reward function answers None for
the prompts that are not its own, so TRL logs them apart (``rewards/execution/*``,
``rewards/reward_model/*``). Private-split tasks are never trained on.
"""

from __future__ import annotations

import logging
from typing import Any

from fairclimb.data import RecordKind
from fairclimb.errors import UserInputError
from fairclimb.evaluate import build_request
from fairclimb.models import ApiStyle, GenerationParams
from fairclimb.store import Store
from fairclimb.suites import Split, Task, find_task, get_suite
from fairclimb.train._examples import gated_rows
from fairclimb.train._model import load_causal_lm, lora_config, resolve_base
from fairclimb.train._options import TrainOptions, TrainSource
from fairclimb.train._reward import ExecutionReward
from fairclimb.train._setup import Examples, Setup

__all__ = ["build", "examples"]

logger = logging.getLogger(__name__)


def examples(store: Store, source: TrainSource, options: TrainOptions) -> Examples:
    if (source.dataset is None) == (not source.suites):
        raise UserInputError("fairclimb train grpo takes its prompts from --suite S (one or "
                             "more) or from --dataset NAME: give one of them")
    if options.reward_model is not None:
        resolve_base(store, options.reward_model)  # checked before anything is written
    if source.suites:
        return _suite_examples(store, source.suites)
    return _dataset_examples(store, str(source.dataset), options)


def _prompt(task: Task) -> list[dict[str, str]]:
    request = build_request(task, ApiStyle.CHAT, GenerationParams(), 0)
    return [{"role": m.role, "content": m.content} for m in request.messages]


def _suite_examples(store: Store, names: tuple[str, ...]) -> Examples:
    tasks: list[Task] = []
    private = 0
    for name in dict.fromkeys(names):
        suite = get_suite(name, store)
        private += sum(1 for task in suite.tasks if task.split is Split.PRIVATE)
        tasks.extend(task for task in suite.tasks if task.split is Split.PUBLIC)
    if private:
        logger.info("left out %d private-split tasks: they are never trained on", private)
    if not tasks:
        raise UserInputError(f"suite {', '.join(names)} has no public-split tasks to train "
                             "on (private-split tasks never are)")
    rows = [{"prompt": _prompt(task), "task_id": task.task_id} for task in tasks]
    suites = tuple(dict.fromkeys((task.suite, task.split.value) for task in tasks))
    return Examples(train=rows, suites=suites, tasks=tuple(tasks))


def _dataset_examples(store: Store, dataset: str, options: TrainOptions) -> Examples:
    """The prompts of the dataset's SFT records: with their task where they carry one
    (rewarded by execution), without when a reward model can score them."""
    rows, data = gated_rows(store, dataset, RecordKind.SFT, options, ("messages", "task_id"))
    tasks: dict[str, Task] = {}
    train = []
    for row in rows:
        prompt = [m for m in row["messages"] if m.get("role") != "assistant"]
        task_id = str(row.get("task_id") or "")
        if task_id and task_id not in tasks:
            tasks[task_id] = find_task(task_id, store)
        if task_id or options.reward_model is not None:
            train.append({"prompt": prompt, "task_id": task_id})
    if not train:
        raise UserInputError(f"dataset {dataset} has no records whose task has tests; give "
                             "--reward-model NAME to score prompts without tests")
    suites = tuple(dict.fromkeys((t.suite, t.split.value) for t in tasks.values()))
    return Examples(train=train, data=data, suites=suites, tasks=tuple(tasks.values()))


class _WhereTests:
    """Execution rewards for completions whose prompt has a task; None elsewhere."""

    __name__ = "execution"

    def __init__(self, reward: ExecutionReward) -> None:
        self.reward = reward

    def __call__(self, prompts: list[Any], completions: list[Any],
                 **kwargs: Any) -> list[float | None]:
        ids = [str(task_id or "") for task_id in kwargs.get("task_id") or [""] * len(prompts)]
        mine = [i for i, task_id in enumerate(ids) if task_id]
        scores: list[float | None] = [None] * len(completions)
        if mine:
            got = self.reward([prompts[i] for i in mine], [completions[i] for i in mine],
                              task_id=[ids[i] for i in mine])
            for index, score in zip(mine, got, strict=True):
                scores[index] = score
        return scores


class _RewardModelScore:
    """A trained reward model's score for completions whose prompt has no tests."""

    __name__ = "reward_model"

    def __init__(self, model: Any, tokenizer: Any) -> None:
        self.model = model
        self.tokenizer = tokenizer

    def __call__(self, prompts: list[Any], completions: list[Any],
                 **kwargs: Any) -> list[float | None]:
        import torch

        ids = [str(task_id or "") for task_id in kwargs.get("task_id") or [""] * len(prompts)]
        scores: list[float | None] = [None] * len(completions)
        for index, (prompt, completion) in enumerate(zip(prompts, completions, strict=True)):
            if ids[index]:
                continue  # execution decides where tests exist
            text = self.tokenizer.apply_chat_template(_messages(prompt, completion),
                                                      tokenize=False)
            encoded = self.tokenizer(text, return_tensors="pt", truncation=True)
            with torch.no_grad():
                logits = self.model(**encoded.to(self.model.device)).logits
            scores[index] = float(logits[0, 0])
        return scores


def _messages(prompt: Any, completion: Any) -> list[dict[str, str]]:
    said = prompt if isinstance(prompt, list) else [{"role": "user", "content": str(prompt)}]
    answer = (completion if isinstance(completion, list)
              else [{"role": "assistant", "content": str(completion)}])
    return [*said, *answer]


def build(setup: Setup) -> Any:
    import trl

    options, store = setup.options, setup.store
    # Before the model loads: a Ray cluster that does not answer is said at once.
    execution = ExecutionReward(setup.examples.tasks, store=store, executor=options.executor)
    model, tokenizer = load_causal_lm(setup.base, setup.device)
    setup.resources.append(execution)
    setup.metric_sources.append(lambda: {"statuses": execution.step_counts(),
                                         "reward_pool_starts": execution.pool_starts})
    rewards: list[Any] = [_WhereTests(execution)]
    weights = [1.0]
    if options.reward_model is not None:
        from fairclimb.train._model import load_scorer

        scorer, scorer_tokenizer = load_scorer(resolve_base(store, options.reward_model),
                                               setup.device)
        scorer.eval()
        rewards.append(_RewardModelScore(scorer, scorer_tokenizer))
        weights.append(options.reward_model_weight)
    group = options.num_generations
    batch = -(-options.batch_size // group) * group  # a whole number of groups
    config = trl.GRPOConfig(**{**setup.common_args(), "per_device_train_batch_size": batch},
                            num_generations=group,
                            max_completion_length=options.max_completion_length,
                            temperature=options.temperature, reward_weights=weights)
    train, _ = setup.datasets()
    return trl.GRPOTrainer(
        model=model, reward_funcs=rewards, args=config, train_dataset=train,
        processing_class=tokenizer, callbacks=setup.callbacks,
        peft_config=(lora_config(options.lora_r, options.lora_alpha, "CAUSAL_LM")
                     if options.lora else None))
