"""What ``--executor ray`` costs on one node: the local executor against the Ray executor
on the same machine and the same input (issue 17: Ray must keep at least 80% of the
local throughput on one node).

The input is every HumanEval reference solution repeated R times, each copy with a
distinct trailing comment so that nothing is deduplicated. A one-node Ray cluster is
started first (``ray start --head --num-cpus W``, as docs/ray.md says; its start is
reported apart, a lab's cluster is already running), then the two executors run the
engine in turn, K times each, and the medians are compared. Each run pays its own
checker start (local: the pool; Ray: the node's actor and its pool); the Ray run also
pays the batches' round trips and the cluster's own processes on the same cores.

Example::

    .venv/bin/python benchmarks/ray_overhead.py --reps 2 --repeats 3
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fairclimb.evaluate import Engine, EvalOptions, Sample, SampleForm
from fairclimb.executor import Executor, ExecutorChoice, connect
from fairclimb.sandbox import Limits
from fairclimb.suites import Suite, get_suite

TARGET_RATIO = 0.80
ROOT = Path(__file__).resolve().parents[1]


def samples_of(suite: Suite, reps: int) -> list[Sample]:
    samples = []
    for rep in range(reps):
        for task in suite.tasks:
            program = f"{task.reference_program}\n# copy {rep}\n"
            samples.append(Sample(len(samples), task.task_id, SampleForm.SOLUTION, program,
                                  {"task_id": task.task_id}))
    return samples


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_head(cpus: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``ray start --head`` on this machine, in its own session (stopped by killing it)."""
    port = free_port()
    ray_cli = Path(sys.executable).parent / "ray"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    head = subprocess.Popen(
        [str(ray_cli), "start", "--head", "--block", f"--port={port}", f"--num-cpus={cpus}",
         "--include-dashboard=false", "--disable-usage-stats"],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    return head, f"127.0.0.1:{port}"


def stop_head(head: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(head.pid, sig)
        except ProcessLookupError:
            return
        try:
            head.wait(timeout=20)
        except subprocess.TimeoutExpired:
            continue


def join(address: str, timeout: float = 120.0) -> float:
    """Join the cluster once it answers; the seconds it took."""
    started = time.monotonic()
    while True:
        try:
            connect(address)
            return time.monotonic() - started
        except Exception:
            if time.monotonic() - started > timeout:
                raise
            time.sleep(1.0)


def timed_run(suite: Suite, samples: list[Sample], options: EvalOptions) -> float:
    engine = Engine.for_tasks(suite, options)
    started = time.monotonic()
    run = engine.run(samples)
    seconds = time.monotonic() - started
    passed = sum(result.verdict.passed for result in run.results.values())
    if passed != len(samples):
        raise SystemExit(f"only {passed} of {len(samples)} references passed")
    return seconds


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True,
                          check=False).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2, help="copies of each reference")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each executor")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    suite = get_suite("humaneval")
    samples = samples_of(suite, args.reps)
    local = EvalOptions(workers=args.workers, limits=Limits(wall_s=10.0))
    print(f"uptime before: {uptime()}")
    with tempfile.TemporaryDirectory() as tmp:
        began = time.monotonic()
        head, address = start_head(args.workers, Path(tmp) / "ray-head.log")
        try:
            joined = join(address)
            print(f"ray head started and joined in {time.monotonic() - began:.1f} s "
                  f"(join {joined:.1f} s), {args.workers} CPUs, at {address}")
            on_ray = dataclasses.replace(
                local, executor=ExecutorChoice(Executor.RAY, address))
            times: dict[str, list[float]] = {"local": [], "ray": []}
            for _ in range(args.repeats):  # alternating, so load drifts hit both
                times["local"].append(timed_run(suite, samples, local))
                times["ray"].append(timed_run(suite, samples, on_ray))
        finally:
            stop_head(head)
    rate = {name: len(samples) / statistics.median(runs) for name, runs in times.items()}
    for name, runs in times.items():
        print(f"{name:>5}: {len(samples)} samples, median {statistics.median(runs):.2f} s "
              f"({rate[name]:.0f} samples/s); runs: "
              + ", ".join(f"{t:.2f}" for t in runs))
    ratio = rate["ray"] / rate["local"]
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"ray/local throughput: {ratio:.2f} ({verdict} the {TARGET_RATIO:.0%} target)")
    print(f"uptime after: {uptime()}")


if __name__ == "__main__":
    main()
