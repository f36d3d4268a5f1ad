"""Min-K% probability: how familiar is a task's canonical solution to a model?

Min-K% Prob (Shi et al., 2023) averages the log-probabilities of the k% least likely
tokens of a text: text seen in training has few very unlikely tokens, so a higher score
suggests it was seen. Scores are only comparable between texts alike, so each task's
canonical solution (its prompt followed by its reference, scored over the reference's
tokens) is compared with its perturbed variant's, which says the same in other names:
a gap well above zero over many tasks is a sign of memorisation, never a proof.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairclimb.audit._paired import paired_bootstrap
from fairclimb.models import PromptScorer
from fairclimb.suites import Task

__all__ = ["MinKPair", "MinKReport", "min_k_report", "min_k_score"]

_IN_FLIGHT = 8


@dataclass(frozen=True, slots=True)
class MinKPair:
    task_id: str
    original: float
    perturbed: float


@dataclass(frozen=True, slots=True)
class MinKReport:
    """Min-K% scores of each task's canonical solution and of its variant's, and the
    mean gap (original minus perturbed) with a 95% paired bootstrap interval."""

    k: float
    pairs: list[MinKPair]
    gap: float
    lower: float
    upper: float

    @property
    def higher(self) -> int:
        """Tasks whose original solution scores higher than its variant's."""
        return sum(p.original > p.perturbed for p in self.pairs)

    def to_json(self) -> dict[str, Any]:
        return {"k": self.k, "gap": self.gap, "lower": self.lower, "upper": self.upper,
                "original": _mean([p.original for p in self.pairs]),
                "perturbed": _mean([p.perturbed for p in self.pairs]),
                "higher": self.higher,
                "tasks": [{"task_id": p.task_id, "original": p.original,
                           "perturbed": p.perturbed} for p in self.pairs]}


def min_k_score(logprobs: Sequence[float], k: float) -> float:
    """The mean of the ``ceil(k * n)`` lowest of *logprobs* (at least one)."""
    if not logprobs:
        return 0.0
    lowest = sorted(logprobs)[:max(1, math.ceil(k * len(logprobs)))]
    return sum(lowest) / len(lowest)


def min_k_report(pairs: Sequence[tuple[Task, Task]], scorer: PromptScorer, k: float,
                 rng: np.random.Generator, rounds: int = 2000) -> MinKReport:
    """Score each ``(original, variant)`` pair's canonical solutions with *scorer*."""
    tasks = [task for pair in pairs for task in pair]
    scores = asyncio.run(_score_all(tasks, scorer, k))
    scored = [MinKPair(original.task_id, scores[2 * i], scores[2 * i + 1])
              for i, (original, _) in enumerate(pairs)]
    gap, lower, upper = paired_bootstrap([p.original for p in scored],
                                         [p.perturbed for p in scored], rng, rounds)
    return MinKReport(k, scored, gap, lower, upper)


async def _score_all(tasks: list[Task], scorer: PromptScorer, k: float) -> list[float]:
    gate = asyncio.Semaphore(_IN_FLIGHT)

    async def score(task: Task) -> float:
        async with gate:
            logprobs = await scorer.prompt_logprobs(task.prompt + task.reference)
        # only the solution's tokens: the prompt is the question, not the answer
        return min_k_score([lp for offset, lp in logprobs if offset >= len(task.prompt)], k)

    try:
        # Every request ends before the connection closes; the first failure is raised.
        done = await asyncio.gather(*(score(task) for task in tasks), return_exceptions=True)
        for result in done:
            if isinstance(result, BaseException):
                raise result
        return [result for result in done if not isinstance(result, BaseException)]
    finally:
        close = getattr(scorer, "aclose", None)
        if close is not None:
            await close()


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
