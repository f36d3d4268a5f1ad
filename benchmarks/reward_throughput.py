"""Throughput of the execution reward: rewarded HumanEval-sized completions per second.

Calls :class:`fairclimb.train.ExecutionReward` the way TRL's GRPO trainer does: one
call per step with ``--prompts`` tasks times ``--generations`` completions each, the
task ids as the ``task_id`` column. The completions are HumanEval's canonical
solutions (completion style: they continue the prompt), a share of them broken
(``--wrong``), each with a distinct trailing comment so that no two are identical and
nothing is deduplicated. One persistent checker pool serves every step; its start is
timed apart. Reports the median completions/s over the steps.

    PYTHONPATH=. .venv/bin/python benchmarks/reward_throughput.py --steps 20

Target (issue 12): >= 150 rewarded completions/s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from fairclimb.evaluate import EvalOptions
from fairclimb.sandbox import Limits
from fairclimb.suites import Task, get_suite
from fairclimb.train import ExecutionReward

TARGET_RATE = 150.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--prompts", type=int, default=16, help="tasks per step")
    parser.add_argument("--generations", type=int, default=8, help="completions per task")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--wrong", type=float, default=0.3,
                        help="share of completions that fail their tests")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per sample")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def step_batch(tasks: list[Task], rng: np.random.Generator, step: int, args: argparse.Namespace
               ) -> tuple[list[str], list[str]]:
    chosen = rng.choice(len(tasks), size=args.prompts, replace=False)
    completions, task_ids = [], []
    for t in chosen:
        task = tasks[int(t)]
        for g in range(args.generations):
            body = task.reference
            if rng.random() < args.wrong:
                body = "    return None\n"
            completions.append(f"{body}\n    # step {step} sample {g}\n")
            task_ids.append(task.task_id)
    return completions, task_ids


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tasks = list(get_suite("humaneval").tasks)
    rng = np.random.default_rng(args.seed)
    options = EvalOptions(workers=args.workers, limits=Limits(wall_s=args.timeout))
    rates: list[float] = []
    with ExecutionReward(tasks, options=options) as reward:
        started = time.perf_counter()
        reward(completions=[tasks[0].reference], task_id=[tasks[0].task_id])
        print(f"pool start and first reward: {time.perf_counter() - started:.2f} s")
        reward.step_counts()
        for step in range(args.steps):
            completions, task_ids = step_batch(tasks, rng, step, args)
            started = time.perf_counter()
            rewards = reward(prompts=None, completions=completions, task_id=task_ids)
            seconds = time.perf_counter() - started
            rates.append(len(rewards) / seconds)
            counts = {k: v for k, v in reward.step_counts().items() if v}
            print(f"step {step + 1}/{args.steps}: {len(rewards)} completions in "
                  f"{seconds:.2f} s ({rates[-1]:.0f}/s), mean reward "
                  f"{sum(rewards) / len(rewards):.2f}, {counts}", flush=True)
        starts = reward.pool_starts
    median = statistics.median(rates)
    print(f"\nmachine: {os.cpu_count()} cores, {platform.python_implementation()} "
          f"{platform.python_version()}, {args.workers} checker workers; pool starts: "
          f"{starts}")
    print(f"median: {median:.0f} rewarded completions/s (min {min(rates):.0f}, max "
          f"{max(rates):.0f}) over {args.steps} steps of {args.prompts}x{args.generations}; "
          f"target >= {TARGET_RATE:.0f}/s: {'met' if median >= TARGET_RATE else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
