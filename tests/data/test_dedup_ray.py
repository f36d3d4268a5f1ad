"""Signing for dedup and decontamination on a Ray cluster gives the signatures, the
duplicates and the contamination rows of this machine (issue 17)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from ray_cluster import RayCluster

from fairclimb.data import (
    DecontamOptions,
    DedupParams,
    RecordText,
    decontaminate,
    near_duplicates,
)
from fairclimb.data._dedup import minhash_signatures
from fairclimb.executor import Executor, ExecutorChoice
from fairclimb.suites import get_suite

pytestmark = [pytest.mark.ray, pytest.mark.slow]

WORDS = [f"w{i}" for i in range(300)]


def _texts(count: int) -> list[str]:
    """*count* texts, one in ten a near copy of the one before (enough for Ray's path:
    small corpora are signed in the calling process)."""
    rng = random.Random(3)
    texts: list[str] = []
    for i in range(count):
        if i % 10 == 9:
            words = texts[-1].split()
            words[rng.randrange(len(words))] = "changed"
            texts.append(" ".join(words))
        else:
            texts.append(" ".join(rng.choice(WORDS) for _ in range(100)))
    return texts


def test_ray_signatures_duplicates_and_contamination_are_the_local_ones(
        ray_cluster: RayCluster) -> None:
    ray_cluster.ensure_worker()
    on_ray = ExecutorChoice(Executor.RAY, ray_cluster.address)
    texts = _texts(5500)
    task = get_suite("humaneval").tasks[0]
    texts[5] = task.prompt + task.reference  # planted contamination
    local, remote = DedupParams(workers=1), DedupParams(workers=1, executor=on_ray)
    assert np.array_equal(minhash_signatures(texts, remote), minhash_signatures(texts, local))
    duplicates = near_duplicates(texts, remote).duplicate_of
    assert duplicates == near_duplicates(texts, local).duplicate_of
    assert len(duplicates) >= 450
    records = [RecordText(f"r{i}", text, text) for i, text in enumerate(texts)]
    tasks = get_suite("humaneval").tasks[:10]  # the records are what goes to Ray
    found = decontaminate(records, tasks, DecontamOptions(executor=on_ray))
    assert found == decontaminate(records, tasks, DecontamOptions())
    assert any(row.record_id == "r5" and row.method == "minhash" for row in found)
