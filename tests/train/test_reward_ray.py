"""The execution reward on a Ray cluster: the same rewards as on this machine, with the
nodes' pools started once and kept warm across training steps (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ray_cluster import RayCluster

from fairclimb.evaluate import EvalOptions
from fairclimb.executor import Executor, ExecutorChoice
from fairclimb.sandbox import Limits
from fairclimb.suites import get_suite
from fairclimb.train import ExecutionReward, execution_reward

pytestmark = [pytest.mark.ray, pytest.mark.slow]

QUICKSTART = Path(__file__).parents[2] / "examples" / "humaneval_quickstart.jsonl"
LINES = [json.loads(line) for line in QUICKSTART.read_text().splitlines() if line.strip()]


def test_ray_rewards_are_the_local_ones_across_steps(ray_cluster: RayCluster) -> None:
    ray_cluster.ensure_worker()
    humaneval = get_suite("humaneval")
    options = EvalOptions(workers=1, limits=Limits(wall_s=3.0))
    completions = [line.get("completion") or line["solution"] for line in LINES]
    task_ids = [line["task_id"] for line in LINES]
    half = len(LINES) // 2
    with ExecutionReward(humaneval.tasks, options=options) as local:
        expected = local(completions=completions, task_id=task_ids)
    on_ray = ExecutorChoice(Executor.RAY, ray_cluster.address)
    with ExecutionReward(humaneval.tasks, options=options, executor=on_ray) as remote:
        steps = [remote(completions=completions[:half], task_id=task_ids[:half]),
                 remote(completions=completions[half:], task_id=task_ids[half:])]
        assert remote.pool_starts == 1  # one start for the whole run, not one per step
    assert steps[0] + steps[1] == expected
    assert 0.0 < sum(expected) < len(expected)
    # the function form TRL is given, on the cluster: the same rewards
    assert execution_reward(completions=completions, task_id=task_ids,
                            executor=on_ray) == expected
