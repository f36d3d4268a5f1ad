"""fairclimb audit votes: exit 0 on an intact vote log, exit 1 naming the first broken
link after a plain-SQL edit; export-votes states the chain head."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from test_cli import run

from fairclimb.store import ArenaStore, NewBattle, NewVote, SampleIn, Store, VoteTiming

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def elapsed(now: datetime) -> VoteTiming:
    """The seconds since serving, never a fast vote: the store records whatever timing
    the arena decides (the rule itself is the arena's, tested there)."""
    return lambda served: ((now - served).total_seconds(), None)


def test_audit_votes_finds_an_edited_vote(tmp_path: Path) -> None:
    db = str(tmp_path / "fc.db")
    with Store.open(db) as store:
        data = ArenaStore(store)
        data.add_samples([SampleIn(m, "p", f"{m} answer", passed=None) for m in "ab"], NOW)
        pool = data.sample_pool()
        for i in range(2):
            rater = data.create_account(f"r{i}", f"rater-{i}", "rater", "h", NOW)
            battle = data.add_battle(NewBattle(rater.id, pool[0][1], pool[0][0], pool[1][0],
                                               "a", "b", 0.5, None, NOW))
            at = NOW + timedelta(seconds=9)
            data.add_vote(NewVote(battle, rater.id, "model_a"), at, elapsed(at))
        head = data.vote_chain_head()
    intact = run(["audit", "votes", "--db", db], tmp_path)
    assert intact.returncode == 0, intact.stderr
    assert "intact: 2 votes" in intact.stdout and head.head in intact.stdout
    exported = run(["arena", "export-votes", "--db", db], tmp_path)
    assert exported.returncode == 0 and head.head in exported.stderr
    with Store.open(db) as store, store.transaction("tampering", write=True) as session:
        session.execute(text("UPDATE arena_votes SET comment = 'x' WHERE chain_seq = 1"))
    broken = run(["audit", "votes", "--json", "--db", db], tmp_path)
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert report["intact"] is False and report["first_broken_link"].startswith("link 1 ")
