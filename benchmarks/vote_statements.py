"""What one vote costs the database: statements and round trips per vote, counted with
SQLAlchemy's engine events while real votes go through the arena app in this process
(the form endpoint, session cookie and CSRF token, as ``arena_load.py`` sends them).

    PYTHONPATH=. .venv/bin/python benchmarks/vote_statements.py
    PYTHONPATH=. .venv/bin/python benchmarks/vote_statements.py \
        --db postgresql+psycopg://fairclimb:fairclimb@127.0.0.1:5432/postgres

A round trip is a statement, or a BEGIN or COMMIT that the driver sends on its own
(psycopg sends BEGIN before a transaction's first statement; SQLite has no round trips,
its statements run in this process). The CPU figure is this process's CPU per vote,
app and test client together: a comparison between versions, not a server figure.

Issue 17, per vote: PostgreSQL 8 statements + 3 BEGIN + 3 COMMIT = 14 round trips
before, 3 statements + 1 BEGIN + 1 COMMIT = 5 after (the session read in autocommit;
the vote's transaction two statements); SQLite 10 statements before, 8 after.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from arena_load import fresh_database, setup

from fairclimb.arena import Arena, ArenaOptions
from fairclimb.store import Store
from fairclimb.web import create_app

_counts: collections.Counter[str] = collections.Counter()
_on = [False]


def _statement(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
    if _on[0]:
        _counts["statements"] += 1
        _counts[" ".join(statement.split())[:90]] += 1


def _driver_sends(conn: Any) -> bool:
    """Whether the driver sends BEGIN and COMMIT itself (not in autocommit mode)."""
    return _on[0] and not getattr(conn.connection.driver_connection, "autocommit", False)


def _begin(conn: Any) -> None:
    _counts["begin"] += _driver_sends(conn)


def _commit(conn: Any) -> None:
    _counts["commit"] += _driver_sends(conn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="a PostgreSQL server URL; default SQLite")
    parser.add_argument("--votes", type=int, default=300)
    args = parser.parse_args()
    event.listen(Engine, "before_cursor_execute", _statement)
    event.listen(Engine, "begin", _begin)
    event.listen(Engine, "commit", _commit)
    with fresh_database(args.db) as db:
        people = setup(db, args.votes)
        with Store.open(db) as store:
            app = create_app(Arena(store, ArenaOptions(votes_per_minute=1_000_000)))
            with TestClient(app, base_url="http://127.0.0.1") as client:
                started, cpu = time.perf_counter(), time.process_time()
                _on[0] = True
                for token, csrf, battles in people:
                    client.cookies.set("fc_session", token)
                    answer = client.post(f"/battles/{battles[0]}/vote", follow_redirects=False,
                                         data={"csrf": csrf, "winner": "model_a",
                                               "comment": "benchmark"})
                    assert answer.status_code == 303, answer.text
                _on[0] = False
                cpu, wall = time.process_time() - cpu, time.perf_counter() - started
            stored = Arena(store).data.count_votes()
    n = args.votes
    assert stored == n, f"{stored} of {n} votes stored"
    trips = _counts["statements"] + (_counts["begin"] + _counts["commit"]
                                     if db.startswith("postgresql") else 0)
    print(f"{'PostgreSQL' if db.startswith('postgresql') else 'SQLite'}: {n} votes; per vote "
          f"{_counts['statements'] / n:.2f} statements, {_counts['begin'] / n:.2f} BEGIN, "
          f"{_counts['commit'] / n:.2f} COMMIT = {trips / n:.2f} round trips; "
          f"{1000 * cpu / n:.2f} ms CPU/vote in-process ({1000 * wall / n:.2f} ms wall)")
    for text, count in _counts.most_common():
        if text not in ("statements", "begin", "commit"):
            print(f"  {count / n:5.2f}  {text}")


if __name__ == "__main__":
    main()
