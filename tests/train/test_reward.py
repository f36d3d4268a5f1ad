"""The execution reward is the eval harness: every answer the harness refuses earns 0."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fairclimb.errors import ClusterError, UserInputError
from fairclimb.evaluate import EvalOptions, Status
from fairclimb.executor import Executor, ExecutorChoice
from fairclimb.sandbox import Limits
from fairclimb.suites import Suite, get_suite
from fairclimb.train import ExecutionReward, execution_reward

QUICKSTART = Path(__file__).parents[2] / "examples" / "humaneval_quickstart.jsonl"
LINES = [json.loads(line) for line in QUICKSTART.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def humaneval() -> Suite:
    return get_suite("humaneval")


@pytest.fixture(scope="module")
def reward(humaneval: Suite) -> Iterator[ExecutionReward]:
    options = EvalOptions(workers=2, limits=Limits(wall_s=3.0))
    with ExecutionReward(humaneval.tasks, options=options) as shared:
        yield shared


def _expected(line: dict[str, Any]) -> float:
    return 1.0 if line["note"].startswith("right") else 0.0


def _as_chat(line: dict[str, Any], suite: Suite) -> list[dict[str, str]]:
    """The same answer as a chat model would give it: the whole program in a fence."""
    task = suite.get(line["task_id"])
    assert task is not None
    program = line.get("solution") or task.prompt + line["completion"]
    return [{"role": "assistant", "content": f"Here it is:\n```python\n{program}```\n"}]


def _as_completion(line: dict[str, Any], suite: Suite) -> str | list[dict[str, str]]:
    """The same answer as a base model continuing the prompt would give it; a whole
    program cannot continue a prompt (generation cuts it at the next ``def``), so those
    lines stay chat answers and the batch mixes both styles."""
    if "completion" in line:
        return str(line["completion"])
    return _as_chat(line, suite)


def test_the_quickstart_holds_hostile_right_and_wrong_answers() -> None:
    notes = [line["note"].split(":")[0] for line in LINES]
    assert notes.count("hostile") >= 10
    assert sum(note.startswith("right") for note in notes) >= 5


@pytest.mark.parametrize("style", ["completion", "chat"])
def test_every_hostile_answer_earns_zero_and_every_right_one_one(
        reward: ExecutionReward, humaneval: Suite, style: str) -> None:
    shape = _as_completion if style == "completion" else _as_chat
    completions = [shape(line, humaneval) for line in LINES]
    task_ids = [line["task_id"] for line in LINES]
    rewards = reward(prompts=[""] * len(LINES), completions=completions, task_id=task_ids)
    got = [(line["task_id"], line["note"], value)
           for line, value in zip(LINES, rewards, strict=True)]
    assert got == [(line["task_id"], line["note"], _expected(line)) for line in LINES]


def test_statuses_are_counted_per_step(reward: ExecutionReward, humaneval: Suite) -> None:
    reward.step_counts()  # start a fresh step
    hostile = [line for line in LINES if "infinite loop" in line["note"]
               or "syntax error" in line["note"] or line["note"] == "right"]
    reward(prompts=None, completions=[line["completion"] for line in hostile],
           task_id=[line["task_id"] for line in hostile])
    counts = reward.step_counts()
    assert set(counts) == {status.value for status in Status}
    assert counts["timeout"] == 1 and counts["invalid"] == 1
    assert counts["passed"] == sum(line["note"] == "right" for line in hostile)
    assert sum(reward.step_counts().values()) == 0  # counts are per call of step_counts


def test_partial_credit_only_for_failed_answers(humaneval: Suite) -> None:
    """HumanEval/55's tests call fib(10), fib(1), fib(8), fib(11), fib(12): an answer
    right up to 10 holds three of the five checks."""
    options = EvalOptions(workers=1, limits=Limits(wall_s=3.0))
    upto_ten = ("    if n > 10:\n        return 0\n    a, b = 0, 1\n    for _ in range(n):\n"
                "        a, b = b, a + b\n    return a\n")
    loop = next(line for line in LINES if "infinite loop" in line["note"])
    answers = [upto_ten, loop["completion"], "    return n\n"]
    ids = ["HumanEval/55", loop["task_id"], "HumanEval/55"]
    with ExecutionReward(humaneval.tasks, options=options, partial_credit=True) as partial:
        assert partial(completions=answers, task_id=ids) == [0.6, 0.0, 0.0]
    with ExecutionReward(humaneval.tasks, options=options) as strict:
        assert strict(completions=answers, task_id=ids) == [0.0, 0.0, 0.0]


def test_the_pool_starts_once_for_many_steps(reward: ExecutionReward) -> None:
    right = next(line for line in LINES if line["note"] == "right")
    first = reward(completions=[right["completion"]], task_id=[right["task_id"]])
    starts = reward.pool_starts
    second = reward(completions=[right["completion"]] * 3, task_id=right["task_id"])
    assert first == [1.0] and second == [1.0, 1.0, 1.0]
    assert reward.pool_starts == starts == 1


def test_the_function_form_has_trls_signature() -> None:
    right = next(line for line in LINES if line["note"] == "right")
    assert execution_reward(prompts=["p"], completions=[right["completion"]],
                            task_id=[right["task_id"]], completion_ids=[[1, 2]]) == [1.0]


def test_the_function_form_takes_an_executor() -> None:
    """``partial(execution_reward, executor=...)`` checks on that cluster: one that does
    not answer says so, rather than the answers being checked here."""
    pytest.importorskip("ray")
    right = next(line for line in LINES if line["note"] == "right")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    on_ray = ExecutorChoice(Executor.RAY, f"127.0.0.1:{port}")
    with pytest.raises(ClusterError, match=f"no Ray cluster answers at 127.0.0.1:{port}"):
        execution_reward(completions=[right["completion"]], task_id=[right["task_id"]],
                         executor=on_ray)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "task_id"),
    ({"task_id": ["HumanEval/0", "HumanEval/1"]}, "task ids"),
    ({"task_id": ["NoSuchSuite/7"]}, "no suite has a task"),
    ({"task_id": ["fairclimb-webdev/bar-chart"]}, "webdev tasks have no automatic tests"),
])
def test_bad_columns_are_one_sentence(reward: ExecutionReward, kwargs: dict[str, Any],
                                      message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        reward(completions=["    return 1\n"], **kwargs)
