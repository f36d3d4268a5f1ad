"""The leaderboard page and its SVG plot on N stored votes: how many rating computations
a page view costs, and its time cold and when nothing changed since the last view.

Votes are stored through the store's real vote path (claim, chain link) on a SQLite
file; the page and the plot each call ``Arena.leaderboard()`` as the web layer does.

    .venv/bin/python benchmarks/arena_board.py --votes 5000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from fairclimb.arena import Arena, ArenaOptions, Battle
from fairclimb.store import NewBattle, NewVote, SampleIn, Store

_T0 = datetime(2026, 1, 1, tzinfo=UTC)
_WINNERS = ("model_a", "model_b", "tie")


def _fill(arena: Arena, votes: int) -> None:
    data = arena.data
    models = [f"m{i}" for i in range(8)]
    data.add_samples([SampleIn(m, f"p{p}", f"{m} answer {p}") for p in range(20)
                      for m in models], _T0)
    pool = data.sample_pool()
    raters = [data.create_account(f"r{i}", f"rater-{i}", "rater", "h", _T0)
              for i in range(votes)]  # one open battle per rater: one rater per vote
    rng = np.random.default_rng(0)
    battles = []
    for n in range(votes):
        i, j = rng.choice(len(pool), 2, replace=False)
        battles.append(NewBattle(raters[n].id, pool[i][1], pool[i][0], pool[j][0],
                                 pool[i][2], pool[j][2], 1 / 28, None,
                                 _T0 + timedelta(minutes=n)))
    data.add_battles(battles)
    for n, (battle_id, *_) in enumerate(data.battle_draws()):
        at = _T0 + timedelta(minutes=n, seconds=30)
        data.add_vote(NewVote(battle_id, raters[n].id, _WINNERS[n % 3]), at,
                      lambda served, at=at: ((at - served).total_seconds(), None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, \
            Store.open(str(Path(folder) / "arena.db")) as store:
        arena = Arena(store, ArenaOptions())
        _fill(arena, args.votes)
        computations: list[int] = []
        read = arena.rated_records

        def counted() -> list[Battle]:
            computations.append(1)
            return read()

        arena.rated_records = counted  # type: ignore[method-assign]
        start = time.perf_counter()
        arena.leaderboard()  # the page
        arena.leaderboard()  # its SVG plot
        cold = time.perf_counter() - start
        start = time.perf_counter()
        arena.leaderboard()
        arena.leaderboard()
        again = time.perf_counter() - start
        print(f"{args.votes} votes: a page view (page + SVG) computes the ratings "
              f"{len(computations)} time(s): {cold:.3f} s; the next view {again:.4f} s")


if __name__ == "__main__":
    main()
