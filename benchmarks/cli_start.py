"""Start-up of the command line: wall time of ``fairclimb --help`` (and ``--version``).

Runs each command ``--runs`` times in a fresh interpreter, the way a user's shell does, and
prints the median wall time with the machine's load average (the figure depends on it).
Target: ``fairclimb --help`` < 0.3 s.

Measured on the 2-core development machine shared with ~8 engineers (``uptime`` load
10-16, so wall time is mostly waiting for a core; CPU time is the figure to compare):

- before (every part imported at start): ``fairclimb --help`` median 18.9 s wall,
  1.81 s CPU (5 runs, load 15.1); ``--version`` 14.8 s wall, 1.73 s CPU (load 13.5).
- lazy command group: ``fairclimb --help`` median 2.20 s wall, 0.23 s CPU (10 runs,
  load 16.1), and 0.36 s wall, 0.17 s CPU at load 9.6; ``--version`` 1.10 s wall,
  0.14 s CPU (10 runs, load 15.7). After merging main (ext15's verbs, own2): ``--help``
  0.516 s wall, 0.165 s CPU; ``--version`` 0.352 s wall, 0.105 s CPU (10 runs, load 9.3).

On a quiet machine wall time is CPU time plus the interpreter's start, ~0.2 s: under the
target; on this loaded one it was not measurable below 0.3 s.

``python -X importtime -m fairclimb --help`` shows what is left: Typer (~35 ms) and its
Rich help renderer (typer.rich_utils with rich.markdown, ~50 ms), Python itself (~20 ms).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

TARGET_SECONDS = 0.3


def measure(args: list[str], runs: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (children) of ``fairclimb ARGS``."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "fairclimb", *args], check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "100"})
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    options = parser.parse_args()
    for args in (["--help"], ["--version"]):
        wall, cpu = measure(args, options.runs)
        load = os.getloadavg()[0]
        verdict = "ok" if wall < TARGET_SECONDS else f"over the {TARGET_SECONDS} s target"
        print(f"fairclimb {' '.join(args)}: median {wall:.3f} s wall, {cpu:.3f} s CPU "
              f"over {options.runs} runs (load {load:.1f}): {verdict}")


if __name__ == "__main__":
    main()
