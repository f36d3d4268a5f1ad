"""The tamper-evident vote log on SQLite (file and memory) and PostgreSQL: votes edited,
deleted or inserted with plain SQL are found; concurrent voters still form one chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from fairclimb.store import NewBattle, NewVote, SampleIn, Store, VoteTiming
from fairclimb.store._arena import ArenaStore

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def elapsed(now: datetime) -> VoteTiming:
    """The seconds since serving, never a fast vote: the store records whatever timing
    the arena decides (the rule itself is the arena's, tested there)."""
    return lambda served: ((now - served).total_seconds(), None)


def _vote(data: ArenaStore, n: int, prefix: str = "r") -> list[int]:
    """n raters, one voted battle each; returns the battle ids in voting order."""
    data.add_samples([SampleIn(m, "p", f"{m} answer", passed=None) for m in ("a", "b")], NOW)
    pool = data.sample_pool()
    battles = []
    for i in range(n):
        rater = data.create_account(f"{prefix}{i}", f"rater-{prefix}{i}", "rater", "h", NOW)
        battle = data.add_battle(NewBattle(rater.id, pool[0][1], pool[0][0], pool[1][0],
                                           pool[0][2], pool[1][2], 0.5, None, NOW))
        at = NOW + timedelta(seconds=10 + i, microseconds=i)
        data.add_vote(NewVote(battle, rater.id, "model_a", ["style"], comment=f"c{i}"), at,
                      elapsed(at))
        battles.append(battle)
    return battles


def test_intact_chain_and_head(store: Store) -> None:
    data = ArenaStore(store)
    assert data.verify_vote_chain().intact  # empty: the genesis head
    _vote(data, 3)
    report = data.verify_vote_chain()
    assert report.intact and report.votes == 3
    assert data.vote_chain_head() == report.head and report.head.votes == 3
    assert report.recomputed_head == report.head.head


def test_an_edited_vote_breaks_its_link(store: Store) -> None:
    data = ArenaStore(store)
    battles = _vote(data, 3)
    with store.transaction("tampering", write=True) as session:
        session.execute(text("UPDATE arena_votes SET winner = 'model_b' WHERE battle_id = :b"),
                        {"b": battles[1]})
    report = data.verify_vote_chain()
    assert not report.intact and report.battle_id == battles[1]
    assert report.broken is not None and "link 2" in report.broken and "edited" in report.broken


def test_a_deleted_vote_breaks_the_next_link(store: Store) -> None:
    data = ArenaStore(store)
    battles = _vote(data, 3)
    with store.transaction("tampering", write=True) as session:
        session.execute(text("DELETE FROM arena_votes WHERE battle_id = :b"), {"b": battles[1]})
    report = data.verify_vote_chain()
    assert not report.intact and report.battle_id == battles[2]
    assert report.broken is not None and "link 2" in report.broken


def test_deleting_the_last_vote_disagrees_with_the_head(store: Store) -> None:
    data = ArenaStore(store)
    battles = _vote(data, 2)
    with store.transaction("tampering", write=True) as session:
        session.execute(text("DELETE FROM arena_votes WHERE battle_id = :b"), {"b": battles[1]})
    report = data.verify_vote_chain()
    assert not report.intact and report.broken is not None and "head" in report.broken


@pytest.mark.parametrize("linked", [False, True])
def test_a_vote_inserted_with_plain_sql_is_found(store: Store, linked: bool) -> None:
    data = ArenaStore(store)
    battles = _vote(data, 2)
    with store.transaction("tampering", write=True) as session:
        # A copy of the first vote on a fresh battle, placed at the end (linked: with
        # the last vote's hash as its previous hash, so only its own hash is wrong).
        session.execute(text(
            "INSERT INTO arena_battles (rater_id, prompt_id, sample_a, sample_b, model_a, "
            "model_b, probability, gold_winner, voted, served_at) SELECT rater_id, "
            "prompt_id, sample_a, sample_b, model_a, model_b, probability, gold_winner, "
            "true, served_at FROM arena_battles WHERE id = :b"), {"b": battles[0]})
        new = session.execute(text("SELECT MAX(id) FROM arena_battles")).scalar_one()
        head = session.execute(text("SELECT head_hash FROM arena_vote_chain")).scalar_one()
        session.execute(text(
            "INSERT INTO arena_votes (battle_id, rater_id, winner, labels_a, labels_b, "
            "comment, correction, seconds, flag, created_at, chain_seq, prev_hash, vote_hash) "
            "SELECT :new, rater_id, winner, labels_a, labels_b, comment, correction, seconds, "
            "flag, created_at, :seq, :prev, :hash FROM arena_votes WHERE battle_id = :b"),
            {"new": new, "b": battles[0], "seq": 3 if linked else None,
             "prev": head if linked else None, "hash": "f" * 64 if linked else None})
    report = data.verify_vote_chain()
    assert not report.intact and report.battle_id == new and report.votes == 3
    assert report.broken is not None and "link 3" in report.broken


def test_sixteen_concurrent_voters_form_one_chain(store: Store) -> None:
    if store.url == "sqlite://":
        pytest.skip("an in-memory SQLite database is one connection: no concurrency")
    data = ArenaStore(store)
    data.add_samples([SampleIn(m, "p", f"{m} answer", passed=None) for m in ("a", "b")], NOW)
    pool = data.sample_pool()
    work = []
    for i in range(16):
        rater = data.create_account(f"c{i}", f"rater-c{i}", "rater", "h", NOW)
        work.append((rater.id, data.add_battle(NewBattle(
            rater.id, pool[0][1], pool[0][0], pool[1][0], pool[0][2], pool[1][2], 0.5, None,
            NOW))))
    with ThreadPoolExecutor(16) as pool_:
        list(pool_.map(lambda w: data.add_vote(NewVote(w[1], w[0], "tie"), NOW, elapsed(NOW)),
                       work))
    report = data.verify_vote_chain()
    assert report.intact and report.votes == 16 and report.head.votes == 16


def test_votes_stored_before_the_log_are_linked_by_the_migration(store: Store) -> None:
    from alembic import command

    from fairclimb.store._migrate import alembic_config

    data = ArenaStore(store)
    _vote(data, 3)
    before = data.vote_chain_head()
    config = alembic_config()
    for step, target in ((command.downgrade, "0009"), (command.upgrade, "head")):
        with store._engine.begin() as conn:
            config.attributes["connection"] = conn
            step(config, target)
    report = data.verify_vote_chain()
    assert report.intact and report.votes == 3
    assert report.head == before  # oldest first, the same content: the same chain
