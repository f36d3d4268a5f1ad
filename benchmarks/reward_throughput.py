"""Throughput of the execution reward: rewarded HumanEval-sized completions per second.

Calls :class:`fairclimb.train.ExecutionReward` the way TRL's GRPO trainer does: one
call per step with ``--prompts`` tasks times ``--generations`` completions each, the
task ids as the ``task_id`` column. The completions are HumanEval's canonical
solutions (completion style: they continue the prompt), a share of them broken
(``--wrong``), each with a distinct trailing comment so that no two are identical and
nothing is deduplicated. One persistent checker pool serves every step; its start is
timed apart. Reports the median completions/s over the steps, and the CPU seconds the
whole process tree (this process, the checkers, their sandboxes and every sample's
child) spent per completion, which gives the rate the cores could sustain unshared:
on a busy machine the wall-clock rate says more about the neighbours than the harness.

    PYTHONPATH=. .venv/bin/python benchmarks/reward_throughput.py --steps 20

Target (issue 12): >= 150 rewarded completions/s on 2 cores.

Measured 2026-12-02 with ``--steps 10`` on 2 cores shared with ~8 engineers (load
average 13-15), before and after issue 17's zygote warm-up (no child pays CPython's
first-compile set-up): 7.1 -> 5.4 ms of CPU per completion (whole process tree),
60 -> 76 completions/s median (35-115 per step). 5.4 ms is 370/s on 2 unshared cores:
the target holds where the cores are free, not on this shared machine.
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


def tree_cpu_seconds() -> float:
    """CPU seconds of this process and all its descendants, reaped children included
    (read from /proc: Linux only, as the sandbox is)."""
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, CPU seconds)
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:  # gone, or not ours to read
            continue
        # after the command: state, ppid, ..., utime stime cutime cstime at 11..14
        stats[int(entry)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)
    tree, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _) in stats.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(stats[pid][1] for pid in tree if pid in stats)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tasks = list(get_suite("humaneval").tasks)
    rng = np.random.default_rng(args.seed)
    options = EvalOptions(workers=args.workers, limits=Limits(wall_s=args.timeout))
    rates: list[float] = []
    cpu_per: list[float] = []
    with ExecutionReward(tasks, options=options) as reward:
        started = time.perf_counter()
        reward(completions=[tasks[0].reference], task_id=[tasks[0].task_id])
        print(f"pool start and first reward: {time.perf_counter() - started:.2f} s")
        reward.step_counts()
        for step in range(args.steps):
            completions, task_ids = step_batch(tasks, rng, step, args)
            cpu_before = tree_cpu_seconds()
            started = time.perf_counter()
            rewards = reward(prompts=None, completions=completions, task_id=task_ids)
            seconds = time.perf_counter() - started
            cpu_per.append((tree_cpu_seconds() - cpu_before) / len(rewards))
            rates.append(len(rewards) / seconds)
            counts = {k: v for k, v in reward.step_counts().items() if v}
            print(f"step {step + 1}/{args.steps}: {len(rewards)} completions in "
                  f"{seconds:.2f} s ({rates[-1]:.0f}/s), mean reward "
                  f"{sum(rewards) / len(rewards):.2f}, {cpu_per[-1] * 1000:.1f} ms CPU each, "
                  f"{counts}", flush=True)
        starts = reward.pool_starts
    median = statistics.median(rates)
    cpu_each = statistics.median(cpu_per)
    cores = min(args.workers, os.cpu_count() or 1)
    print(f"\nmachine: {os.cpu_count()} cores, {platform.python_implementation()} "
          f"{platform.python_version()}, {args.workers} checker workers; pool starts: "
          f"{starts}")
    print(f"median: {median:.0f} rewarded completions/s (min {min(rates):.0f}, max "
          f"{max(rates):.0f}) over {args.steps} steps of {args.prompts}x{args.generations}; "
          f"target >= {TARGET_RATE:.0f}/s: {'met' if median >= TARGET_RATE else 'NOT met'}")
    print(f"CPU per completion (whole process tree, median): {cpu_each * 1000:.1f} ms, so "
          f"{cores} unshared cores sustain at most {cores / cpu_each:.0f}/s "
          f"(load average now {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
