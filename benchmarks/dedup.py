"""Near-dedup of a generated corpus of code snippets: fairclimb vs text-dedup's MinHash.

The corpus (default 200,000 snippets) is random Python-like functions of about 40
lines; 10 % of them are near-copies of an earlier snippet (one number changed, Jaccard
similarity about 0.94 at 5-token shingles) and 2 % exact copies. Both tools run with
the same parameters: 5-token shingles, 128 permutations, threshold 0.8, 9 bands of 13
rows, 2 processes. Each tool reads the JSONL corpus and writes the kept snippets.

text-dedup lives in its own virtual environment (``--peer``, default
``/tmp/data-peer``: ``python3 -m venv /tmp/data-peer && /tmp/data-peer/bin/pip install
text-dedup``) and runs as its CLI ``python -m text_dedup.minhash``; fairclimb runs
as a subprocess of this interpreter, so both timings include interpreter start and
imports. One run each by default (``--runs`` for more; medians are reported).

Example::

    .venv/bin/python benchmarks/dedup.py --snippets 200000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
         "lam", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon",
         "phi", "chi", "psi", "omega", "total", "count", "index", "value", "item",
         "key", "left", "right", "node", "tree", "path", "size"]
PARAMS = {"ngram": 5, "num_perm": 128, "threshold": 0.8, "b": 9, "r": 13}

FAIRCLIMB_RUN = """
import json, sys, time
from fairclimb.data import DedupParams, near_duplicates
started = time.perf_counter()
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
result = near_duplicates(texts, DedupParams(shingle=5, num_perm=128, threshold=0.8,
                                            workers=2))
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for index, text in enumerate(texts):
        if index not in result.duplicate_of:
            out.write(json.dumps({"text": text}) + "\\n")
print(json.dumps({"before": len(texts), "after": len(texts) - result.duplicates,
                  "seconds": time.perf_counter() - started}))
"""


def snippet(rng: random.Random) -> str:
    lines = [f"def {rng.choice(WORDS)}_{rng.randrange(10**6)}({rng.choice(WORDS)}):"]
    for _ in range(40):
        a, b, c = rng.sample(WORDS, 3)
        lines.append(f"    {a} = {b}({c}, {rng.randrange(1000)})")
    return "\n".join(lines)


def corpus(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if texts and roll < 0.10:
            lines = rng.choice(texts).splitlines()
            where = rng.randrange(1, len(lines))
            lines[where] = re.sub(r"\d+\)$", f"{rng.randrange(1000, 2000)})", lines[where])
            texts.append("\n".join(lines))
        elif texts and roll < 0.12:
            texts.append(rng.choice(texts))
        else:
            texts.append(snippet(rng))
    return texts


def run_fairclimb(data: Path, work: Path) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", FAIRCLIMB_RUN, str(data),
                           str(work / "fairclimb-kept.jsonl")], capture_output=True, text=True,
                          check=True, env=env)
    seconds = time.perf_counter() - started
    return seconds, json.loads(done.stdout.strip().splitlines()[-1])["after"]


def run_text_dedup(peer: Path, data: Path, work: Path) -> tuple[float, int]:
    command = [str(peer / "bin" / "python"), "-m", "text_dedup.minhash", "--path", "json",
               "--data_files", str(data), "--split", "train", "--cache_dir",
               str(work / "cache"), "--output", str(work / "td-out"), "--column", "text",
               "--num_proc", "2", "--min_length", "0", "--ngram", str(PARAMS["ngram"]),
               "--num_perm", str(PARAMS["num_perm"]), "--threshold", str(PARAMS["threshold"]),
               "--b", str(PARAMS["b"]), "--r", str(PARAMS["r"])]
    # A wide terminal, so that its log does not wrap the line with the result.
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "COLUMNS": "250"}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env,
                          cwd=work)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"text-dedup failed:\n{done.stderr[-3000:]}")
    after = re.findall(r"After\s*:\s*(\d+)", done.stdout + done.stderr)
    if not after:
        raise SystemExit(f"cannot read text-dedup's result:\n{(done.stdout + done.stderr)[-2000:]}")
    return seconds, int(after[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snippets", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peer", type=Path, default=Path("/tmp/data-peer"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fairclimb-dedup-") as tmp:
        work = Path(tmp)
        data = work / "corpus.jsonl"
        texts = corpus(args.snippets, args.seed)
        data.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
        ours: list[float] = []
        theirs: list[float] = []
        kept_ours = kept_theirs = 0
        for _ in range(args.runs):  # alternate, so load on the machine hits both alike
            seconds, kept_ours = run_fairclimb(data, work)
            ours.append(seconds)
            seconds, kept_theirs = run_text_dedup(args.peer, data, work)
            theirs.append(seconds)
    removed_ours, removed_theirs = len(texts) - kept_ours, len(texts) - kept_theirs
    report = {
        "snippets": len(texts), "params": PARAMS, "processes": 2, "runs": args.runs,
        "fairclimb_s": round(statistics.median(ours), 2),
        "text_dedup_s": round(statistics.median(theirs), 2),
        "speedup": round(statistics.median(theirs) / statistics.median(ours), 2),
        "removed_fairclimb": removed_ours, "removed_text_dedup": removed_theirs,
        "removed_difference_pct": round(
            100 * abs(removed_ours - removed_theirs) / max(1, removed_theirs), 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
