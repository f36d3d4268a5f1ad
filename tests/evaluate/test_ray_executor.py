"""``--executor ray`` on a real local Ray cluster (a head and one worker node): the
verdicts are the local executor's, hostile samples included, and a worker node killed
mid-run loses nothing and reports nothing twice (issue 17, item 1)."""

from __future__ import annotations

import dataclasses
import logging
import threading

import pytest
from ray_cluster import RayCluster

from fairclimb.evaluate import (
    Check,
    CheckerPool,
    Engine,
    EvalOptions,
    Result,
    Sample,
    SampleFeed,
    SampleForm,
)
from fairclimb.executor import Executor, ExecutorChoice
from fairclimb.sandbox import Limits
from fairclimb.suites import Suite

pytestmark = [pytest.mark.ray, pytest.mark.slow]

LOCAL = EvalOptions(workers=1, limits=Limits(wall_s=2.0, memory_bytes=512 << 20),
                    perf_seed=7)

ENTRY = "has_close_elements"
HOSTILE = {
    "wrong": f"def {ENTRY}(numbers, threshold):\n    return True\n",
    "always-equal": ("class E:\n    def __eq__(self, other):\n        return True\n"
                     "    def __bool__(self):\n        return True\n"
                     f"def {ENTRY}(numbers, threshold):\n    return E()\n"),
    "sys-exit": "import sys\nsys.exit(0)\n",
    "os-exit": "import os\nos._exit(0)\n",
    "prints-passed": (f"print('passed')\ndef {ENTRY}(numbers, threshold):\n"
                      "    raise SystemExit(0)\n"),
    "patched-builtins": ("import builtins\nbuiltins.abs = lambda x: 0\n"
                         f"def {ENTRY}(numbers, threshold):\n    return True\n"),
    "kills-its-parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n",
    "endless": f"def {ENTRY}(numbers, threshold):\n    while True:\n        pass\n",
    "memory": "x = bytearray(1 << 34)\n",
    "syntax": f"def {ENTRY}(numbers, threshold)\n    return\n",
}


def _samples(humaneval: Suite) -> list[Sample]:
    first = humaneval.tasks[0]
    programs = [first.reference_program, *HOSTILE.values(), HOSTILE["wrong"]]  # a twin
    programs += [task.reference_program for task in humaneval.tasks[1:6]]
    task_ids = [first.task_id] * (len(HOSTILE) + 2) + [t.task_id for t in humaneval.tasks[1:6]]
    return [Sample(i, task_id, SampleForm.SOLUTION, program, {"task_id": task_id})
            for i, (task_id, program) in enumerate(zip(task_ids, programs, strict=True))]


def _seen(results: dict[int, Result]) -> dict[int, tuple[str, str, int]]:
    """What a verdict says, without its timings (which differ between any two runs)."""
    return {i: (r.verdict.status.value, r.verdict.detail, r.verdict.calls)
            for i, r in results.items()}


def _on_ray(cluster: RayCluster) -> EvalOptions:
    return dataclasses.replace(LOCAL, executor=ExecutorChoice(Executor.RAY, cluster.address))


class _Counting:
    """A sink that counts how often each sample was reported."""

    def __init__(self) -> None:
        self.reported: dict[int, int] = {}

    def add(self, sample: Sample, result: Result) -> None:
        self.reported[sample.index] = self.reported.get(sample.index, 0) + 1


@pytest.fixture(scope="module")
def local_run(humaneval: Suite) -> dict[int, Result]:
    """The local executor's results on :func:`_samples` (two checkers, the same limits)."""
    return Engine.for_tasks(humaneval, dataclasses.replace(LOCAL, workers=2)).run(
        _samples(humaneval)).results


def test_ray_verdicts_are_the_local_ones(humaneval: Suite, ray_cluster: RayCluster,
                                         local_run: dict[int, Result]) -> None:
    samples = _samples(humaneval)
    sink = _Counting()
    remote = Engine.for_tasks(humaneval, _on_ray(ray_cluster)).run(samples, [sink])
    assert _seen(remote.results) == _seen(local_run)
    assert sink.reported == {sample.index: 1 for sample in samples}
    statuses = {local_run[i].verdict.status.value for i in range(len(HOSTILE) + 1)}
    assert statuses >= {"passed", "failed", "error", "timeout", "memory", "invalid"}, statuses
    assert not any(local_run[i].verdict.passed for i in range(1, len(HOSTILE) + 2))


class _Trickle:
    """Samples arriving a few at a time from another thread, as a model's answers do
    with ``eval --model``."""

    def __init__(self, samples: list[Sample]) -> None:
        self._samples = samples
        self._thread: threading.Thread | None = None

    def start(self, feed: SampleFeed) -> None:
        def offer() -> None:
            try:
                for start in range(0, len(self._samples), 3):
                    feed.offer(self._samples[start:start + 3])
                    threading.Event().wait(0.2)
            finally:
                feed.close()

        self._thread = threading.Thread(target=offer)
        self._thread.start()

    def finish(self) -> None:
        assert self._thread is not None
        self._thread.join()


def test_ray_checks_samples_as_they_arrive(humaneval: Suite, ray_cluster: RayCluster,
                                           local_run: dict[int, Result]) -> None:
    ray_cluster.ensure_worker()
    samples = _samples(humaneval)
    sink = _Counting()
    remote = Engine.for_tasks(humaneval, _on_ray(ray_cluster)).run(
        _Trickle(samples), [sink], total=len(samples))
    assert _seen(remote.results) == _seen(local_run)
    assert sink.reported == {sample.index: 1 for sample in samples}


def test_a_worker_node_killed_mid_run_loses_nothing(
        humaneval: Suite, ray_cluster: RayCluster, caplog: pytest.LogCaptureFixture) -> None:
    ray_cluster.ensure_worker()
    tasks = humaneval.tasks[:32]
    # Each sample takes half a second and there are enough of them for several batches a
    # node, so the worker still holds batches when the first result comes back (with 16,
    # a loaded machine sometimes let it finish its share first, and nothing was lost).
    samples = [Sample(i, task.task_id, SampleForm.SOLUTION,
                      "import time\ntime.sleep(0.5)\n" + task.reference_program,
                      {"task_id": task.task_id}) for i, task in enumerate(tasks)]
    samples.append(Sample(len(tasks), tasks[0].task_id, SampleForm.SOLUTION,
                          HOSTILE["wrong"].replace(ENTRY, tasks[0].entry_point), {}))
    killed = threading.Event()

    class KillOnFirst(_Counting):
        def add(self, sample: Sample, result: Result) -> None:
            super().add(sample, result)
            if not killed.is_set():
                killed.set()
                ray_cluster.kill_worker()

    sink = KillOnFirst()
    with caplog.at_level(logging.WARNING, logger="fairclimb.evaluate"):
        run = Engine.for_tasks(humaneval, _on_ray(ray_cluster)).run(samples, [sink])
    assert killed.is_set()
    assert any("died" in record.getMessage() for record in caplog.records), caplog.text
    assert sink.reported == {sample.index: 1 for sample in samples}  # none twice, none lost
    local = Engine.for_tasks(humaneval, dataclasses.replace(LOCAL, workers=2)).run(samples)
    assert _seen(run.results) == _seen(local.results)


@pytest.mark.parametrize(("per_node", "started"), [(2, "2, 2"), (None, "1, 1")],
                         ids=["workers-2", "one-per-cpu"])
def test_workers_with_ray_are_the_checkers_of_every_node(
        humaneval: Suite, ray_cluster: RayCluster, caplog: pytest.LogCaptureFixture,
        per_node: int | None, started: str) -> None:
    """``--workers 2`` with Ray: each node (one CPU each here) starts two checkers, not
    one per CPU; left out, one per CPU."""
    ray_cluster.ensure_worker()
    choice = ExecutorChoice(Executor.RAY, ray_cluster.address, per_node)
    checks = [Check(task, task.reference_program) for task in humaneval.tasks[:4]]
    with caplog.at_level(logging.INFO, logger="fairclimb.evaluate"), \
            CheckerPool(dataclasses.replace(LOCAL, executor=choice)) as pool:
        verdicts = pool.check(checks)
    assert [verdict.passed for verdict in verdicts] == [True] * 4
    assert any(record.getMessage() == f"checking on 2 Ray node(s), with {started} checkers"
               for record in caplog.records), caplog.text
