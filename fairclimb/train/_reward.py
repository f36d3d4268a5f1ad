"""The execution reward: the eval harness itself, as a TRL reward function.

A completion is turned into a program exactly as generation turns a model's answer
into a sample (:func:`fairclimb.evaluate.answer_program`), then judged by the same
trusted-side checker, in the same sandbox, as ``fairclimb eval``. The reward is 1.0
for ``passed`` and 0.0 for every other status, so whatever the harness refuses (an
always-equal object, ``sys.exit(0)``, patched builtins, a redefined helper) earns
nothing; optional partial credit applies to ``failed`` only. Nothing runs in the
policy's process: the checkers are separate processes, started once and kept warm for
the whole run.

TRL calls a reward function as ``f(prompts=..., completions=..., **columns)``; the task
id arrives as the dataset column ``task_id``. Completions are plain strings
(completion style: they continue the task's prompt) or chat messages (chat style:
the code block of the last assistant message).

Interface used by the trainers: :func:`execution_reward`, :class:`ExecutionReward`
(callable, ``.close()``, ``.step_counts()``).
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import logging
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from fairclimb.errors import UserInputError
from fairclimb.evaluate import Check, CheckerPool, EvalOptions, Status, Verdict, answer_program
from fairclimb.executor import ExecutorChoice
from fairclimb.models import ApiStyle
from fairclimb.store import Store
from fairclimb.suites import Task, find_task

__all__ = ["ExecutionReward", "execution_reward"]

log = logging.getLogger(__name__)


class ExecutionReward:
    """A TRL reward function backed by one persistent checker pool.

    *tasks* are the tasks rewards are asked for (any other id is looked up in the
    suites, and in *store* when given). *options* are ``fairclimb eval``'s (workers,
    sandbox, limits); by default one worker per core. *partial_credit* gives a
    ``failed`` answer the share of the tests' checks it passed (off by default: only
    ``passed`` earns anything). *style* forces how completions are read; by default
    plain strings are completion style and message lists are chat style. *executor*
    runs the checkers on a Ray cluster's nodes instead (one warm pool per node).
    """

    def __init__(self, tasks: Sequence[Task] | Mapping[str, Task] = (), *,
                 options: EvalOptions | None = None, store: Store | None = None,
                 partial_credit: bool = False, style: ApiStyle | None = None,
                 executor: ExecutorChoice | None = None) -> None:
        known = tasks.values() if isinstance(tasks, Mapping) else tasks
        self._tasks: dict[str, Task] = {task.task_id: task for task in known}
        self._options = options or EvalOptions(workers=max(1, os.cpu_count() or 1))
        if executor is not None:
            self._options = dataclasses.replace(self._options, executor=executor)
        self._store = store
        self._partial = partial_credit
        self._style = style
        self._pool = CheckerPool(self._options)
        self._counts: Counter[Status] = Counter()
        self._total: Counter[Status] = Counter()
        self._reference_checks: dict[str, int] = {}
        self.__name__ = "execution_reward"  # TRL logs each reward under its function's name

    def __enter__(self) -> ExecutionReward:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __call__(self, prompts: Sequence[Any] | None = None,
                 completions: Sequence[Any] | None = None, **kwargs: Any) -> list[float]:
        if completions is None:
            raise UserInputError("execution_reward needs completions")
        task_ids = _task_ids(kwargs, len(completions))
        verdicts = self.verdicts(completions, task_ids)
        return [self._reward(task_id, verdict)
                for task_id, verdict in zip(task_ids, verdicts, strict=True)]

    def verdicts(self, completions: Sequence[Any], task_ids: Sequence[str]) -> list[Verdict]:
        """The harness's verdict on each completion (counted in :meth:`step_counts`)."""
        checks = []
        for completion, task_id in zip(completions, task_ids, strict=True):
            task = self._task(task_id)
            text, style = _text_and_style(completion, self._style)
            checks.append(Check(task, answer_program(task, text, style)))
        verdicts = self._pool.check(checks)
        for verdict in verdicts:
            self._counts[verdict.status] += 1
            self._total[verdict.status] += 1
        return verdicts

    def step_counts(self) -> dict[str, int]:
        """How many completions ended in each status since the last call (every status
        named, zeros included), so a drift toward timeouts or crashes shows per step."""
        counts = {status.value: self._counts[status] for status in Status}
        self._counts.clear()
        return counts

    def total_counts(self) -> dict[str, int]:
        """Every status counted since this reward was made."""
        return {status.value: self._total[status] for status in Status}

    @property
    def pool_starts(self) -> int:
        """How many times the checker pool was started: 1 for a whole healthy run."""
        return self._pool.starts

    def close(self) -> None:
        """Stop the checker processes (a later call starts them again)."""
        self._pool.close()

    def _task(self, task_id: str) -> Task:
        task = self._tasks.get(task_id)
        if task is None:
            task = self._tasks[task_id] = find_task(task_id, self._store)
        return task

    def _reward(self, task_id: str, verdict: Verdict) -> float:
        if verdict.status is Status.PASSED:
            return 1.0
        if not self._partial or verdict.status is not Status.FAILED:
            return 0.0
        # The failing call is the last one answered; the calls before it held.
        held = max(0, verdict.calls - 1)
        return min(held / self._checks_of(task_id), 1.0) if held else 0.0

    def _checks_of(self, task_id: str) -> int:
        """How many calls the tests make of a right answer: the task's own reference."""
        if task_id not in self._reference_checks:
            task = self._task(task_id)
            [verdict] = self._pool.check([Check(task, task.reference_program)])
            self._reference_checks[task_id] = max(1, verdict.calls)
        return self._reference_checks[task_id]


def _task_ids(kwargs: Mapping[str, Any], count: int) -> list[str]:
    ids = kwargs.get("task_id")
    if ids is None:
        raise UserInputError("execution_reward needs the task of each completion: give the "
                             "training dataset a 'task_id' column")
    if isinstance(ids, str):
        ids = [ids] * count
    ids = [str(task_id) for task_id in ids]
    if len(ids) != count:
        raise UserInputError(f"execution_reward got {count} completions but {len(ids)} "
                             "task ids")
    return ids


def _text_and_style(completion: Any, forced: ApiStyle | None) -> tuple[str, ApiStyle]:
    """The answer's text, and the style it was written in."""
    if isinstance(completion, str):
        return completion, forced or ApiStyle.COMPLETION
    if isinstance(completion, Mapping):
        completion = [completion]
    if isinstance(completion, Sequence):
        said = [str(m.get("content", "")) for m in completion
                if isinstance(m, Mapping) and m.get("role", "assistant") == "assistant"]
        if said:
            return said[-1], forced or ApiStyle.CHAT
        return "", forced or ApiStyle.CHAT
    raise UserInputError("a completion must be a string or a list of chat messages, not "
                         f"{type(completion).__name__}")


@functools.cache
def _shared(executor: ExecutorChoice) -> ExecutionReward:
    """The process's one reward per executor for :func:`execution_reward`, stopped at
    exit."""
    reward = ExecutionReward(executor=executor)
    atexit.register(reward.close)
    return reward


def execution_reward(prompts: Sequence[Any] | None = None,
                     completions: Sequence[Any] | None = None, *,
                     executor: ExecutorChoice | None = None, **kwargs: Any) -> list[float]:
    """TRL's reward-function signature over the eval harness: 1.0 for an answer that
    passes its task's tests, 0.0 for anything else. The task id comes as the dataset
    column ``task_id``. One checker pool, started at the first call, serves every
    later call of the process (stopped at exit); *executor* puts it on a Ray cluster's
    nodes instead (``functools.partial(execution_reward, executor=...)``; one pool per
    executor). Use :class:`ExecutionReward` to choose options, count statuses per step
    or stop it sooner."""
    return _shared(executor or ExecutorChoice())(prompts, completions, **kwargs)
