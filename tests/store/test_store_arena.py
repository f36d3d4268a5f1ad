"""The arena's tables and repository, on SQLite (file and memory) and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import insert

from fairclimb.arena import AlreadyVoted, Arena, ArenaDenied, ArenaOptions, Role
from fairclimb.data import Exclusion
from fairclimb.errors import StoreError
from fairclimb.store import (
    NewBattle,
    NewVote,
    SampleIn,
    Store,
    UsernameTaken,
    VoteRefused,
    VoteTiming,
)
from fairclimb.store._arena import ArenaStore
from fairclimb.store._arena_tables import ArenaBattle

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def elapsed(now: datetime) -> VoteTiming:
    """The seconds since serving, never a fast vote: the store records whatever timing
    the arena decides (the rule itself is the arena's, tested there)."""
    return lambda served: ((now - served).total_seconds(), None)


def _samples() -> list[SampleIn]:
    return [SampleIn(model, f"prompt {i}", f"{model} answer {i}", passed=model == "good")
            for model in ("good", "bad") for i in range(4)]


def test_accounts_invites_and_sessions(store: Store) -> None:
    data = ArenaStore(store)
    admin = data.create_account("root", "rater-x", "admin", "hash", NOW)
    with pytest.raises(UsernameTaken):  # typed: the arena words it for people
        data.create_account("root", "rater-y", "rater", "hash", NOW)
    data.add_invite("i" * 64, "rater", NOW + timedelta(days=1), NOW)
    assert data.invite_role("i" * 64, NOW) == "rater"
    made = data.redeem_invite("i" * 64, "ann", "rater-a", "h", NOW)
    assert made is not None and made.role == "rater"
    assert data.redeem_invite("i" * 64, "ann2", "rater-b", "h", NOW) is None  # single use
    assert data.account(username="ann2") is None  # nothing half-written
    data.add_invite("e" * 64, "rater", NOW - timedelta(seconds=1), NOW)
    assert data.redeem_invite("e" * 64, "late", "rater-l", "h", NOW) is None  # expired
    data.add_session("s" * 64, admin.id, "csrf", NOW + timedelta(hours=1), NOW)
    found = data.session("s" * 64)
    assert found is not None and found.account.username == "root"
    assert found.csrf_token == "csrf" and found.expires_at == NOW + timedelta(hours=1)
    data.end_session("s" * 64)
    assert data.session("s" * 64) is None
    assert data.count_accounts("admin") == 1


def test_tokens_are_stored_only_as_hashes(store: Store) -> None:
    arena = Arena(store)
    arena.accounts.create("root", "root-password", Role.ADMIN)
    token, _ = arena.accounts.login("root", "root-password")
    api = arena.accounts.api_token("ci")
    invite = arena.accounts.invite()
    with store.transaction("dumping") as session:
        dump = " ".join(str(row) for table in ("arena_sessions", "arena_api_tokens",
                                                "arena_invites", "arena_accounts")
                        for row in session.execute(
                            __import__("sqlalchemy").text(f"SELECT * FROM {table}")))
    for secret in (token, api, invite, "root-password"):
        assert secret not in dump
    assert hashlib.sha256(token.encode()).hexdigest() in dump  # what the arena keeps of it
    assert "$argon2id$" in dump


def test_samples_battles_and_one_vote(store: Store) -> None:
    data = ArenaStore(store)
    rater = data.create_account("r", "rater-r", "rater", "h", NOW)
    other = data.create_account("o", "rater-o", "rater", "h", NOW)
    assert data.add_samples(_samples(), NOW) == 8
    assert data.add_samples(_samples(), NOW) == 0  # idempotent
    pool = data.sample_pool()
    good = next(r for r in pool if r[2] == "good")
    bad = next(r for r in pool if r[2] == "bad" and r[1] == good[1])
    battle_id = data.add_battle(NewBattle(rater.id, good[1], good[0], bad[0], "good", "bad",
                                          0.25, None, NOW))
    assert data.open_battle(rater.id) == battle_id
    with pytest.raises(VoteRefused, match="not_yours"):
        data.add_vote(NewVote(battle_id, other.id, "model_a"), NOW, elapsed(NOW))
    later = NOW + timedelta(seconds=42)
    stored = data.add_vote(NewVote(battle_id, rater.id, "model_a", ["style"]), later,
                           elapsed(later))
    assert (stored.model_a, stored.model_b, stored.seconds, stored.flag) == (
        "good", "bad", 42, None)
    with pytest.raises(VoteRefused, match="voted"):
        data.add_vote(NewVote(battle_id, rater.id, "model_b"), NOW, elapsed(NOW))
    assert data.open_battle(rater.id) is None
    (vote,) = data.votes()
    assert (vote.model_a, vote.model_b, vote.winner, vote.labels_a) == (
        "good", "bad", "model_a", ["style"])
    assert vote.probability == 0.25 and vote.judge == "rater-r"
    assert data.pair_outcomes() == [("good", "bad", "model_a", 1)]
    assert data.battles_per_model() == {"good": 1, "bad": 1}
    (activity,) = [a for a in data.rater_activity() if a.username == "r"]
    assert activity.votes == 1 and activity.seconds == 42


def test_arena_end_to_end_records(store: Store) -> None:
    arena = Arena(store, ArenaOptions(fast_vote_seconds=0.0), np.random.default_rng(1))
    arena.briefing.publish(30.0)
    account = arena.accounts.create("rita", "rita-password", Role.RATER)
    with pytest.raises(ArenaDenied, match="briefing"):
        arena.next_battle(arena.accounts.start_session(account)[1])
    arena.briefing.accept(account, 1)
    _, rater = arena.accounts.start_session(arena.data.account(username="rita"))  # type: ignore[arg-type]
    arena.import_samples(_samples())
    for _ in range(4):
        battle_id = arena.next_battle(rater)
        result = arena.vote(rater, battle_id, "tie")
        assert {result.model_a, result.model_b} == {"good", "bad"}
    with pytest.raises(AlreadyVoted):
        arena.vote(rater, battle_id, "model_a")
    records = arena.battle_records()
    assert len(records) == 4
    assert all(r.judge.startswith("rater-") and r.weight >= 1 for r in records)
    gold = [r for r in records if Exclusion.GOLD_CHECK in {e.kind for e in r.exclusions}]
    assert all(r.excluded for r in gold)
    (pay,) = [p for p in arena.pay() if p.username == "rita"]
    assert pay.tasks == 4 and pay.currency == "USD"


def test_one_open_battle_per_rater_is_enforced_by_the_database(store: Store) -> None:
    data = ArenaStore(store)
    rater = data.create_account("solo", "rater-solo", "rater", "h", NOW)
    data.add_samples(_samples(), NOW)
    pool = data.sample_pool()
    battle = NewBattle(rater_id=rater.id, prompt_id=pool[0][1], sample_a=pool[0][0],
                       sample_b=pool[4][0], model_a="good", model_b="bad", probability=0.5,
                       gold_winner=None, served_at=NOW)
    first = data.add_battle(battle)
    assert data.add_battle(battle) == first  # a second request gets the open one
    with pytest.raises(StoreError), store.transaction("a raw insert", write=True) as session:
        session.execute(insert(ArenaBattle).values(
            voted=False, **{k: getattr(battle, k) for k in NewBattle.__dataclass_fields__}))
    data.add_vote(NewVote(first, rater.id, "tie"), NOW, elapsed(NOW))
    assert data.add_battle(battle) != first  # once voted, a new one may open
