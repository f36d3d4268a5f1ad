"""The votes export FastChat's own analysis reads: counted votes by default, the others
on request, what the rater wrote in the rich export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fairclimb.arena import Arena, ArenaOptions, ExportOptions, Role, SignedIn, read_battles
from fairclimb.store import SampleIn, Store

_FAST = ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                     fast_vote_seconds=0.0, gold_rate=0.0)
FASTCHAT_KEYS = {"question_id", "model_a", "model_b", "winner", "judge", "turn", "anony",
                 "language", "tstamp", "conversation_a", "conversation_b", "dedup_tag"}
RICH_KEYS = {"labels_a", "labels_b", "comment", "correction"}


def _rater(arena: Arena, name: str) -> SignedIn:
    account = arena.accounts.create(name, "rater-password-1", Role.RATER)
    arena.briefing.accept(account, 1)
    refreshed = arena.data.account(username=name)
    assert refreshed is not None
    return arena.accounts.session(arena.accounts.start_session(refreshed)[0])


def _voted_arena(store: Store) -> Arena:
    """Three votes: two that count, one too fast to count."""
    arena = Arena(store, _FAST, np.random.default_rng(3))
    arena.briefing.publish(20.0, "USD", "the test team")
    arena.import_samples([SampleIn(m, f"prompt {p}", f"{m} answers {p}")
                          for p in range(4) for m in ("m1", "m2")])
    rater = _rater(arena, "ann")
    for i in range(2):
        battle = arena.next_battle(rater)
        arena.vote(rater, battle, "model_a", labels_b=["missing-edge-case"] if i == 0 else [],
                   comment="B misses the edge case" if i == 0 else "",
                   correction="fixed()" if i == 0 else "")
    hasty = Arena(store, ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                                      fast_vote_seconds=600.0, gold_rate=0.0))
    hasty.vote(rater, hasty.next_battle(rater), "model_b")
    return arena


def test_the_default_export_is_counted_votes_in_fastchat_format(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "e.db")) as store:
        rows = _voted_arena(store).export_votes()
    assert len(rows) == 2
    for row in rows:
        assert set(row) >= FASTCHAT_KEYS and not RICH_KEYS & set(row)
        assert "excluded" not in row
        assert row["turn"] == 1 and row["anony"] is True
        assert row["dedup_tag"] == {"high_freq": False, "sampled": True}
        for side in ("a", "b"):
            user, assistant = row[f"conversation_{side}"]
            assert user["role"] == "user" and user["content"].startswith("prompt ")
            assert assistant == {"role": "assistant", "content": (
                f"{row[f'model_{side}']} answers {user['content'].split()[-1]}")}
    assert len({row["question_id"] for row in rows}) == 2


def test_excluded_votes_on_request_and_the_rich_export(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "e.db")) as store:
        arena = _voted_arena(store)
        everything = arena.export_votes(ExportOptions(include_excluded=True, rich=True))
    assert len(everything) == 3
    hasty = [row for row in everything if row["excluded"]]
    assert len(hasty) == 1 and "fast" in hasty[0]["reason"]
    first = next(row for row in everything if row["comment"])
    assert first["labels_b"] == ["missing-edge-case"] and first["labels_a"] == []
    assert first["comment"] == "B misses the edge case" and first["correction"] == "fixed()"


def test_fastchat_analysis_and_fairclimb_ratings_read_the_export(tmp_path: Path) -> None:
    """What FastChat's elo_analysis keeps (anonymous, sampled battles) is every counted
    vote, and fairclimb's battle reader takes the file as it is."""
    with Store.open(str(tmp_path / "e.db")) as store:
        rows = _voted_arena(store).export_votes(ExportOptions(include_excluded=True))
    kept = [r for r in rows if r["anony"] and r["dedup_tag"]["sampled"] and not r["excluded"]]
    assert len(kept) == 2
    path = tmp_path / "battles.json"
    path.write_text(json.dumps(rows))
    battles = read_battles(path)
    assert len(battles) == 3 and sum(b.excluded for b in battles) == 1
