"""Speed of ``fairclimb ratings`` against FastChat's own rating code, on the same battles.

1. 200,000 synthetic battles among 30 models, 100 bootstrap rounds: fairclimb in this
   process (median of ``--repeats``) and FastChat's ``get_bootstrap_result(battles,
   compute_elo_mle_with_tie, 100)`` in the peer venv (once: it is slow), both timed
   around the computation only (the battles already in memory). Target: >= 100x.
   The same run checks agreement: the largest gap between fairclimb's ratings and
   ``compute_elo_mle_with_tie``'s on these battles (target: < 3 points).
2. 2,000,000 battles among 200 models, 1,000 bootstrap rounds through fairclimb
   (median of ``--repeats``). Target: < 10 s on 2 cores.

With ``--cli``, whole commands as a user runs them (``fairclimb ratings --battles FILE
--bootstrap R --json`` on JSONL files: start-up, reading, fit, output), each inside a
wrapper that reports its wall time, CPU time and peak RSS (its RUSAGE_CHILDREN):

3. 200,000 battles / 30 models / 100 rounds (median of max(repeats, 5)) against FastChat's
   fit + bootstrap alone on the same file (``--fastchat-rounds``, scaled to 100 rounds),
   wall against wall and CPU against CPU. Target: >= 100x.
4. 2,000,000 battles / 200 models / 1,000 rounds (median of ``--repeats``). Target:
   < 10 s wall and < 1 GB peak memory.

Measured with ``benchmarks/ratings.py --cli --peer /tmp/ratings-peer/bin/python
--fastchat-rounds 10 --repeats 3`` on the 2-core development machine shared with ~8
engineers (load average 16-18 throughout, so wall times are mostly waiting for a core):

- 200k / 30 / 100 (load ~10): whole command median 4.65 s wall, 0.81 s CPU, peak 175 MB
  (runs 2.58-5.46 s wall). FastChat 0.2.36 (10 rounds run, scaled): 608.5 s wall and
  117.0 s CPU per 100 rounds. Ratio: 131x on wall, 144x on CPU (target >= 100x: met).
  (An earlier run at load 17: 13.45 s wall, 0.92 s CPU; 111x wall, 139x CPU.)
- 2M / 200 / 1,000: whole command median 83.9 s wall, 11.1 s CPU, peak 767 MB (runs 76.4,
  83.9, 118.4 s wall). Memory target met; wall not measurable on this machine: the CPU is
  ~2.5 s reading (pyarrow JSON, validation, line checks), ~8 s the fit and bootstrap
  (two threads), ~0.5 s start-up. Before this reader: 61 s wall and 2.7 GB on a quieter
  machine (issue 17), 1.16 GB after the first columnar version.

Battles: strengths ~ N(0, 1) in log-odds, pairs uniform, 10% ties, the rest Bradley-Terry.
fairclimb's figures exclude the robustness line (``--with-robustness`` adds it).

The FastChat side needs a separate venv (never the project's)::

    python3 -m venv /tmp/ratings-peer
    /tmp/ratings-peer/bin/pip install fschat==0.2.36 numpy pandas scikit-learn tqdm pytz plotly
    .venv/bin/python benchmarks/ratings.py --peer /tmp/ratings-peer/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fairclimb.arena import BattleTable, CiMethod, RatingOptions, rate_table

TARGET_RATIO = 100.0
TARGET_LARGE_SECONDS = 10.0
WINNERS = np.array(["model_b", "model_a", "tie"])


def synthetic(n: int, k: int, seed: int) -> BattleTable:
    rng = np.random.default_rng(seed)
    strength = rng.normal(0, 1, k)
    a = rng.integers(0, k, n)
    b = (a + rng.integers(1, k, n)) % k
    p = 1 / (1 + np.exp(-(strength[a] - strength[b])))
    score = np.where(rng.random(n) < 0.1, 0.5, (rng.random(n) < p).astype(float))
    return BattleTable(tuple(f"model-{i:03d}" for i in range(k)), a, b, score, np.ones(n))


def time_fairclimb(table: BattleTable, rounds: int, repeats: int,
                   robustness: bool) -> tuple[float, list[float], float]:
    """Median wall time, every wall time, and the median CPU time (all threads)."""
    options = RatingOptions(bootstrap=rounds, robustness=robustness)
    times, cpu = [], []
    for repeat in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        rate_table(table, options, np.random.default_rng(repeat))
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), times, statistics.median(cpu)


def write_jsonl(table: BattleTable, path: Path) -> None:
    names = np.array(table.models)
    outcome = WINNERS[np.where(table.score_a == 0.5, 2, table.score_a.astype(int))]
    with path.open("w") as out:
        for a, b, w in zip(names[table.a], names[table.b], outcome, strict=True):
            out.write(f'{{"model_a": "{a}", "model_b": "{b}", "winner": "{w}"}}\n')


def fastchat_bench(peer: str, path: Path, rounds: int) -> dict[str, float]:
    """FastChat's bootstrap: wall and CPU seconds (its process only)."""
    script = str(Path(__file__).with_name("fastchat_reference.py"))
    env = {**os.environ, "PYTHONPATH": ""}
    done = subprocess.run([peer, script, "bench", str(path), str(rounds)], check=True,
                          capture_output=True, text=True, env=env)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def fastchat(peer: str, path: Path, rounds: int) -> tuple[float, dict[str, float]]:
    """FastChat's bootstrap time, and its point ratings (compute_elo_mle_with_tie)."""
    script = str(Path(__file__).with_name("fastchat_reference.py"))
    env = {**os.environ, "PYTHONPATH": ""}
    seconds = fastchat_bench(peer, path, rounds)["seconds"]
    reference_path = path.with_suffix(".fastchat.json")
    subprocess.run([peer, script, "ratings", str(path), str(reference_path)], check=True,
                   capture_output=True, text=True, env=env)
    return seconds, json.loads(reference_path.read_text())


# Runs one command and reports its own children's usage: the wrapper's rusage holds only
# that command, so the peak memory is the command's, not the largest of all runs so far.
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": done.returncode, "wall": wall, "cpu": use.ru_utime + use.ru_stime,
                  "peak_mb": use.ru_maxrss / 1024, "stderr": done.stderr.decode()[-2000:]}))
"""


def measure_command(command: list[str]) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one whole command."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True,
                          capture_output=True, text=True)
    result = json.loads(done.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result['stderr']}")
    return result


def load() -> str:
    return "load " + "/".join(f"{x:.1f}" for x in os.getloadavg())


def whole_command(path: Path, rounds: int, repeats: int) -> tuple[dict[str, float], list[float]]:
    """`fairclimb ratings --battles PATH --bootstrap ROUNDS --json`, ``repeats`` times: the
    run with the median wall time, and every wall time."""
    command = [sys.executable, "-m", "fairclimb", "ratings", "--battles", str(path),
               "--bootstrap", str(rounds), "--json"]
    runs = sorted((measure_command(command) for _ in range(repeats)), key=lambda r: r["wall"])
    return runs[len(runs) // 2], [r["wall"] for r in runs]


def cli_main(args: argparse.Namespace) -> None:
    """Whole commands, as a user runs them: start-up, reading the file, fit, output."""
    print(f"cores available: {len(os.sched_getaffinity(0))}, {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        small_path = Path(tmp) / "small.jsonl"
        write_jsonl(synthetic(200_000, 30, seed=1), small_path)
        small, walls = whole_command(small_path, 100, max(args.repeats, 5))
        print(f"200,000 battles / 30 models / 100 rounds, whole command: median "
              f"{small['wall']:.2f} s wall, {small['cpu']:.2f} s CPU, peak "
              f"{small['peak_mb']:.0f} MB (runs {', '.join(f'{w:.2f}' for w in walls)}; "
              f"{load()})")
        if args.peer:
            theirs = fastchat_bench(args.peer, small_path, args.fastchat_rounds)
            scale = 100 / args.fastchat_rounds  # per 100 rounds (extrapolated if fewer ran)
            for what, key in (("wall", "wall"), ("CPU", "cpu")):
                per_100 = theirs["seconds" if key == "wall" else "cpu"] * scale
                ratio = per_100 / small[key]
                print(f"  FastChat 0.2.36 fit + bootstrap alone ({args.fastchat_rounds} rounds"
                      f" run): {per_100:.1f} s {what} per 100 rounds; our whole command "
                      f"{small[key]:.2f} s {what}: {ratio:.0f}x (target >= "
                      f"{TARGET_RATIO:.0f}x) {'MET' if ratio >= TARGET_RATIO else 'NOT MET'}")
            print(f"  ({load()})")
        if args.skip_large:
            return
        large_path = Path(tmp) / "large.jsonl"
        write_jsonl(synthetic(2_000_000, 200, seed=2), large_path)
        large, walls = whole_command(large_path, 1000, args.repeats)
        met = large["wall"] < TARGET_LARGE_SECONDS and large["peak_mb"] < 1024
        print(f"2,000,000 battles / 200 models / 1,000 rounds, whole command: median "
              f"{large['wall']:.1f} s wall, {large['cpu']:.1f} s CPU, peak "
              f"{large['peak_mb']:.0f} MB (runs {', '.join(f'{w:.1f}' for w in walls)}; "
              f"target < {TARGET_LARGE_SECONDS:.0f} s and < 1 GB) {'MET' if met else 'NOT MET'}"
              f" ({load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peer", help="Python of a venv with fschat (omit: fairclimb only)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fastchat-rounds", type=int, default=100)
    parser.add_argument("--with-robustness", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--cli", action="store_true", help="whole `fairclimb ratings` "
                        "commands on battle files (wall, CPU, peak memory)")
    args = parser.parse_args()
    if args.cli:
        cli_main(args)
        return
    print(f"cores available: {len(os.sched_getaffinity(0))}, load: {os.getloadavg()[0]:.1f}")

    small = synthetic(200_000, 30, seed=1)
    median, times, cpu = time_fairclimb(small, 100, max(args.repeats, 5), args.with_robustness)
    print(f"200,000 battles / 30 models / 100 rounds: fairclimb median {median:.3f} s "
          f"(runs {', '.join(f'{t:.3f}' for t in times)}; CPU {cpu:.3f} s)")
    if args.peer:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "battles.jsonl"
            write_jsonl(small, path)
            seconds, reference = fastchat(args.peer, path, args.fastchat_rounds)
        ours = rate_table(small, RatingOptions(ci=CiMethod.SANDWICH, robustness=False),
                          np.random.default_rng(0))
        gap = max(abs(reference[m.model] - m.rating) for m in ours.models)
        per_100 = seconds * 100 / args.fastchat_rounds
        ratio = per_100 / median
        print(f"  FastChat 0.2.36 get_bootstrap_result(compute_elo_mle_with_tie): "
              f"{seconds:.1f} s for {args.fastchat_rounds} rounds ({per_100:.1f} s per 100)")
        print(f"  ratio: {ratio:.0f}x (target >= {TARGET_RATIO:.0f}x) "
              f"{'MET' if ratio >= TARGET_RATIO else 'NOT MET'}")
        print(f"  agreement with compute_elo_mle_with_tie: largest gap {gap:.3f} points "
              f"(target < 3) {'MET' if gap < 3 else 'NOT MET'}")
    if not args.skip_large:
        large = synthetic(2_000_000, 200, seed=2)
        median, times, cpu = time_fairclimb(large, 1000, args.repeats, args.with_robustness)
        print(f"2,000,000 battles / 200 models / 1,000 rounds: fairclimb median "
              f"{median:.2f} s (runs {', '.join(f'{t:.2f}' for t in times)}; CPU "
              f"{cpu:.2f} s over both threads; target < "
              f"{TARGET_LARGE_SECONDS:.0f} s) "
              f"{'MET' if median < TARGET_LARGE_SECONDS else 'NOT MET'}")


if __name__ == "__main__":
    main()
