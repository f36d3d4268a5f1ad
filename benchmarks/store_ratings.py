"""Reading the arena's votes for ratings: vote by vote into Python (the old path) against
quality control's stored verdicts and one GROUP BY (the path ratings and the leaderboard
take now).

A store (a new SQLite file, or with ``--postgres SERVER`` a new PostgreSQL database) is
filled by bulk insert (not through
HTTP, not through the vote path) with ``--votes`` votes by ``--raters`` raters among
``--models`` models: 5% gold checks, 3% fast votes, a few raters who always click left;
each rater sees every answer at most once (as the arena serves them). Then each
measurement runs in its own process (wall, CPU and peak RSS are that process's):

- ``old``: ``Arena.rating_battles()`` (every vote read, quality control in Python, one
  ``Battle`` per vote) and the counted ones into a ``BattleTable``: what
  ``fairclimb ratings`` and the leaderboard did before.
- ``backfill``: the first quality-control pass on votes never checked (an old database
  after migration 0015, or a bulk import): once.
- ``new``: ``Arena.rating_table()``: the pass with nothing left to check (rater counts
  by GROUP BY, flags rewritten where changed) and the counted votes as grouped rows.
- ``idle``: start-up and opening the store only (what the other three include).

Each also rates what it read (sandwich intervals, so the fit is the small part); the
ratings of ``old`` and ``new`` are compared (the largest gap in points).

    .venv/bin/python benchmarks/store_ratings.py --votes 1000000 --repeats 3

Measured on the 2-core development machine shared with 4 other engineers (medians of 3
runs; "read" is reading the battles into a table, "whole" the process: start-up, read,
a sandwich fit; CPU of this process only, so on PostgreSQL the server's is not in it):

- 1,000,000 votes / 2,000 raters / 30 models, SQLite, load average 5-7 (``--votes
  1000000 --raters 2000``): old read 78.0 s wall, 49.0 s CPU, peak 2,561 MB; new read
  4.97 s wall, 3.99 s CPU, peak 154 MB (= the idle process's: start-up and the store);
  the first pass (back-fill) once 21.7 s wall, 17.6 s CPU, 249 MB. 902,114 counted
  votes as 2,700 grouped rows; ratings equal (largest gap 0 points). An earlier run at
  load 9-18: old 128 s / 52.8 s CPU, new 19.0 s wall.
- 200,000 votes / 1,000 raters, SQLite, load 7-8: old read 20.9 s wall, 10.5 s CPU,
  589 MB; new 2.55 s wall, 1.00 s CPU, 154 MB; back-fill 11.0 s wall, 3.8 s CPU.
- The same on PostgreSQL (``--postgres postgresql+psycopg://…/postgres``), load 9-10:
  old read 31.5 s wall, 11.4 s CPU, 732 MB; new 2.82 s wall, 0.26 s CPU in the client,
  165 MB; back-fill 17.6 s wall.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np

_T0 = datetime(2026, 1, 1, tzinfo=UTC)
_BATCH = 50_000


def _fill(url: str, votes: int, raters: int, models: int, seed: int) -> None:
    from sqlalchemy import Table, insert

    from fairclimb.store import Store
    from fairclimb.store._arena_tables import (
        ArenaAccount,
        ArenaBattle,
        ArenaPrompt,
        ArenaSample,
        ArenaVote,
    )

    rng = np.random.default_rng(seed)
    prompts = max(50, 2 * votes // raters // models + 10)  # enough answers per rater
    names = [f"model-{m:03d}" for m in range(models)]
    strength = rng.normal(0, 1, models)
    with Store.open(url) as store, store.transaction("filling", write=True) as session:
        conn = session.connection()

        def put(model: type, rows: list[dict[str, Any]]) -> None:
            for start in range(0, len(rows), _BATCH):
                conn.execute(insert(cast(Table, model.__table__)), rows[start:start + _BATCH])

        put(ArenaAccount, [dict(id=r + 1, username=f"r{r}", pseudonym=f"rater-{r}",
                                role="rater", password_hash="h", created_at=_T0)
                           for r in range(raters)])
        put(ArenaPrompt, [dict(id=p + 1, prompt_hash=f"{p:064d}", text=f"p{p}",
                               language=("python", "rust")[p % 2], kind="implement",
                               created_at=_T0) for p in range(prompts)])
        put(ArenaSample, [dict(id=p * models + m + 1, prompt_id=p + 1, model=names[m],
                               answer="a", answer_hash=f"{p * models + m:064d}",
                               origin="api", created_at=_T0)
                          for p in range(prompts) for m in range(models)])
        per_rater = np.bincount(rng.integers(0, raters, votes), minlength=raters)
        left = set(rng.choice(raters, max(1, raters // 50), replace=False).tolist())
        battle = 0
        for rater in range(raters):
            n = int(per_rater[rater])
            shown = rng.permutation(prompts * models)[:2 * n]  # never an answer twice
            a, b = shown[0::2] % models, shown[1::2] % models
            p_a = 1 / (1 + np.exp(strength[b] - strength[a]))
            draw = rng.random(n)
            winner = np.where(draw < 0.1, "tie", np.where(rng.random(n) < p_a, "model_a",
                                                          "model_b"))
            if rater in left:
                winner[:] = "model_a"
            gold = rng.random(n) < 0.05
            fast = rng.random(n) < 0.03
            served = [_T0 + timedelta(minutes=2 * k) for k in range(n)]
            battles, rows = [], []
            for k in range(n):
                battle += 1
                battles.append(dict(
                    id=battle, rater_id=rater + 1, prompt_id=int(shown[2 * k]) // models + 1,
                    sample_a=int(shown[2 * k]) + 1, sample_b=int(shown[2 * k + 1]) + 1,
                    model_a=names[a[k]], model_b=names[b[k]], probability=0.01,
                    gold_winner=str(winner[k]) if gold[k] else None, voted=True,
                    served_at=served[k]))
                rows.append(dict(
                    battle_id=battle, rater_id=rater + 1, winner=str(winner[k]),
                    labels_a=[], labels_b=[], comment="", correction="",
                    seconds=2.0 if fast[k] else 40.0,
                    flag="fast vote (2.0 s < 5 s)" if fast[k] else None,
                    created_at=served[k] + timedelta(seconds=2 if fast[k] else 40)))
            put(ArenaBattle, battles)
            put(ArenaVote, rows)


def _measure(url: str, mode: str) -> dict[str, Any]:
    start, cpu = time.perf_counter(), time.process_time()
    from fairclimb.arena import Arena, BattleTable, CiMethod, RatingOptions
    from fairclimb.arena._ratings import rate_grouped
    from fairclimb.store import ArenaQuality, Store

    options = RatingOptions(ci=CiMethod.SANDWICH, robustness=False)
    out: dict[str, Any] = {"mode": mode}
    with Store.open(url) as store:
        arena = Arena(store)
        read, read_cpu = time.perf_counter(), time.process_time()
        table = None
        if mode == "old":
            battles = arena.rating_battles()
            counted = [b for b in battles if not b.excluded]
            table = BattleTable.from_battles(counted)
            out["votes"] = len(battles)
        elif mode == "backfill":
            from fairclimb.arena._stored_board import check_quality

            out["raters"] = len(ArenaQuality(store).unchecked_raters())
            check_quality(ArenaQuality(store), arena.options)
        elif mode == "new":
            table, out["votes"] = arena.rating_table(None, None)
        out["read_s"] = time.perf_counter() - read
        out["read_cpu_s"] = time.process_time() - read_cpu
        if table is not None:
            out["rows"] = int(table.a.size)
            out["counted"] = table.n_battles
            ratings = rate_grouped(table, options)
            out["ratings"] = {m.model: m.rating for m in ratings.models}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out |= {"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu,
            "peak_mb": usage.ru_maxrss / 1024}
    return out


def _run(url: str, mode: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--measure", mode, "--db", url],
                          capture_output=True, text=True, check=True)
    return cast(dict[str, Any], json.loads(done.stdout.splitlines()[-1]))


@contextmanager
def _database(server: str | None, folder: str) -> Iterator[str]:
    if server is None:
        yield str(Path(folder) / "arena.db")
        return
    from _pg import postgres_database  # beside this script

    with postgres_database(server, "store_ratings") as database:
        yield database


def _walls(runs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['wall_s']:.2f}" for r in runs)


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--raters", type=int, default=1_000)
    parser.add_argument("--models", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--postgres", help="a PostgreSQL server URL: the store is a new "
                        "database there, dropped afterwards (default: a new SQLite file)")
    parser.add_argument("--measure", choices=("old", "new", "backfill", "idle"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(args.db, args.measure)))
        return
    with tempfile.TemporaryDirectory() as folder, _database(args.postgres, folder) as url:
        began = time.perf_counter()
        _fill(url, args.votes, args.raters, args.models, 0)
        print(f"filled {args.votes:,} votes in {time.perf_counter() - began:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        idle = [_run(url, "idle") for _ in range(args.repeats)]
        old = [_run(url, "old") for _ in range(args.repeats)]
        backfill = _run(url, "backfill")
        new = [_run(url, "new") for _ in range(args.repeats)]
        gap = max(abs(old[0]["ratings"][m] - new[0]["ratings"][m]) for m in old[0]["ratings"])
        for name, runs in (("idle", idle), ("old", old), ("backfill", [backfill]),
                           ("new", new)):
            print(f"{name:9s} read {_median(runs, 'read_s'):7.2f} s wall "
                  f"{_median(runs, 'read_cpu_s'):6.2f} s CPU  whole "
                  f"{_median(runs, 'wall_s'):7.2f} s wall {_median(runs, 'cpu_s'):7.2f} s CPU"
                  f"  peak {_median(runs, 'peak_mb'):7.0f} MB  (walls "
                  f"{_walls(runs)})")
        print(f"counted {new[0]['counted']:,} of {new[0]['votes']:,} votes as "
              f"{new[0]['rows']:,} grouped rows (old: {old[0]['rows']:,} rows); largest "
              f"rating gap {gap:.2e} points; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
