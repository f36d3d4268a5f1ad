"""``data import-feedback`` on a Ray cluster: the texts of a large import are signed on
the cluster's nodes, and every record's fate (kept, duplicate, contaminated) is the one
this machine gives (issue 17)."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest
from ray_cluster import RayCluster

from fairclimb.data import FeedbackOptions, Vote, dataset_stats, import_feedback
from fairclimb.executor import Executor, ExecutorChoice
from fairclimb.store import Store
from fairclimb.suites import get_suite

pytestmark = [pytest.mark.ray, pytest.mark.slow]

WORDS = [f"w{i}" for i in range(300)]
VOTES = 5200  # curation signs corpora this large on the cluster, smaller ones here


def _votes() -> list[Vote]:
    """Votes whose chosen answers are distinct, one in ten a near copy of the one
    before, and one a HumanEval reference (contamination)."""
    rng = random.Random(5)
    votes: list[Vote] = []
    answer = ""
    for i in range(VOTES):
        words = answer.split()
        if i % 10 == 9:
            words[rng.randrange(len(words))] = "changed"
        else:
            words = [rng.choice(WORDS) for _ in range(200)]
        answer = " ".join(words)
        votes.append(Vote(prompt=f"prompt {i}", answer_a=answer, answer_b=f"wrong {i}",
                          model_a="m-a", model_b="m-b", winner="a", rater=f"r{i % 7}"))
    task = get_suite("humaneval").tasks[3]
    votes[17] = Vote(prompt="p", answer_a=task.prompt + task.reference, answer_b="no",
                     model_a="m-a", model_b="m-b", winner="a", rater="r0")
    return votes


def test_import_feedback_on_ray_keeps_what_a_local_import_keeps(
        tmp_path: Path, ray_cluster: RayCluster, caplog: pytest.LogCaptureFixture) -> None:
    ray_cluster.ensure_worker()
    votes = _votes()
    outcomes = {}
    for name, executor in (("local", None),
                           ("ray", ExecutorChoice(Executor.RAY, ray_cluster.address))):
        with Store.open(str(tmp_path / f"{name}.db")) as store, \
                caplog.at_level(logging.DEBUG, logger="fairclimb.executor"):
            caplog.clear()
            counts = import_feedback(store, votes, "prefs", "votes.jsonl",
                                     FeedbackOptions(executor=executor))
            outcomes[name] = (counts, dataset_stats(store, "prefs"))
            went = [r for r in caplog.records if "go to the Ray cluster" in r.getMessage()]
            assert bool(went) == (executor is not None), caplog.text
    assert outcomes["ray"] == outcomes["local"]
    stats = outcomes["ray"][1]
    assert stats["duplicates"] >= 100 and stats["contaminated"] >= 1  # a real curation
