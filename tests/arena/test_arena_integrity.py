"""Issue 13, findings 2 and 3: pay cannot be inflated, and anonymity survives repeats."""

from __future__ import annotations

import itertools
import threading
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pg import fresh_database
from sqlalchemy import BindParameter, DateTime, bindparam, text

from fairclimb.arena import (
    Arena,
    ArenaOptions,
    NoBattleAvailable,
    Role,
    SignedIn,
    battle_records,
    pay_rows,
    rater_quality,
)
from fairclimb.data import Exclusion
from fairclimb.errors import UserInputError
from fairclimb.store import RaterActivity, SampleIn, Store, VoteRow

_FAST = ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                     fast_vote_seconds=0.0, gold_rate=0.0)


def _samples(prompts: int = 4, models: tuple[str, ...] = ("m1", "m2", "m3")) -> list[SampleIn]:
    return [SampleIn(model, f"prompt {p}", f"{model} answers {p}")
            for p in range(prompts) for model in models]


def _rater(arena: Arena, name: str) -> SignedIn:
    account = arena.accounts.create(name, "rater-password-1", Role.RATER)
    current = arena.briefing.current()
    assert current is not None
    arena.briefing.accept(account, current.version)
    refreshed = arena.data.account(username=name)
    assert refreshed is not None
    return arena.accounts.session(arena.accounts.start_session(refreshed)[0])


def _utc(name: str, value: datetime) -> BindParameter[datetime]:
    """*value* bound as the store binds its UTC timestamps (aware UTC: kept as is by
    PostgreSQL, as naive UTC text by SQLite), so the arena reads it back unchanged."""
    return bindparam(name, value.astimezone(UTC), type_=DateTime(timezone=True))


def _open_battles(store: Store, rater_id: int) -> int:
    with store.transaction("counting") as session:
        return int(session.scalar(text(
            "SELECT count(*) FROM arena_battles WHERE rater_id = :rater AND NOT voted"),
            {"rater": rater_id}) or 0)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_concurrent_starts_give_one_open_task(tmp_path: Path, kind: str) -> None:
    """Two server processes (two Arena objects on one database), eight threads each."""
    with ExitStack() as stack:
        db = (stack.enter_context(fresh_database()) if kind == "postgres"
              else str(tmp_path / "a.db"))
        _race(db)


def _race(db: str) -> None:
    with Store.open(db) as one, Store.open(db) as two:
        arenas = [Arena(one, _FAST, np.random.default_rng(1)),
                  Arena(two, _FAST, np.random.default_rng(2))]
        arenas[0].briefing.publish(20.0, "USD", "the test team")
        arenas[0].import_samples(_samples())
        rater = _rater(arenas[0], "racer")
        barrier = threading.Barrier(16)
        got: list[int] = []

        def start(arena: Arena) -> None:
            barrier.wait()
            got.append(arena.next_battle(rater))

        threads = [threading.Thread(target=start, args=(arenas[i % 2],)) for i in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(got) == 16 and len(set(got)) == 1
        assert _open_battles(one, rater.account.id) == 1


def test_pay_is_the_union_of_intervals_at_the_terms_in_force(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "a.db")) as store:
        arena = Arena(store, _FAST, np.random.default_rng(1))
        arena.briefing.publish(60.0, "USD", "the test team")
        arena.import_samples(_samples())
        rater = _rater(arena, "paid")
        first = _vote_after(arena, store, rater, minutes=10)
        with store.transaction("moving the first task earlier", write=True) as session:
            session.execute(text("UPDATE arena_votes SET created_at = :at"
                                 " WHERE battle_id = :battle").bindparams(
                _utc("at", datetime.now(UTC) - timedelta(minutes=10))), {"battle": first})
        arena.briefing.publish(120.0, "EUR")
        rater = _rater_again(arena, rater)
        _vote_after(arena, store, rater, minutes=5)
        (row,) = [p for p in arena.pay() if p.username == "paid"]
        assert row.tasks == 2
        assert row.seconds == pytest.approx(15 * 60, abs=5)
        assert dict(row.owed) == pytest.approx({"USD": 10.0, "EUR": 10.0}, abs=0.2)
        # A third task within the second's interval (concurrent tabs) adds nothing.
        _vote_after(arena, store, rater, minutes=2)
        (again,) = [p for p in arena.pay() if p.username == "paid"]
        assert again.seconds == pytest.approx(row.seconds, abs=5)
        with pytest.raises(UserInputError, match="per hour"):
            arena.briefing.publish(1e9, "USD")


def _rater_again(arena: Arena, rater: SignedIn) -> SignedIn:
    current = arena.briefing.current()
    assert current is not None
    arena.briefing.accept(rater.account, current.version)
    account = arena.data.account(account_id=rater.account.id)
    assert account is not None
    return arena.accounts.session(arena.accounts.start_session(account)[0])


def _vote_after(arena: Arena, store: Store, rater: SignedIn, minutes: float) -> int:
    battle_id = arena.next_battle(rater)
    with store.transaction("back-dating", write=True) as session:
        session.execute(text("UPDATE arena_battles SET served_at = :at WHERE id = :battle")
                        .bindparams(_utc("at", datetime.now(UTC) - timedelta(minutes=minutes))),
                        {"battle": battle_id})
    arena.vote(rater, battle_id, "tie")
    return battle_id


_CLOCK = itertools.count()
_T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _row(rater: int, winner: str, a: str, b: str, sample_a: int, sample_b: int,
         seconds: float = 30.0, minute: int | None = None) -> VoteRow:
    at = _T0 + timedelta(minutes=next(_CLOCK) if minute is None else minute)
    return VoteRow(battle_id=next(_CLOCK) + 1000, rater_id=rater, judge=f"rater-{rater}",
                   model_a=a, model_b=b, winner=winner, probability=0.5, gold_winner=None,
                   seconds=seconds, flag=None, language="python", kind="implement",
                   labels_a=[], labels_b=[], comment="", correction="", created_at=at,
                   sample_a=sample_a, sample_b=sample_b, pay_per_hour=60.0, currency="USD")


def test_overlapping_tasks_are_flagged_and_paid_once() -> None:
    votes = [_row(1, "tie", "m1", "m2", 1, 2, seconds=600, minute=10),
             _row(1, "tie", "m1", "m2", 3, 4, seconds=600, minute=11)]
    quality = rater_quality(votes, ArenaOptions())
    assert any(flag.kind is Exclusion.OVERLAPPING_TASKS and "overlapped" in flag.detail
               for flag in quality[1].flags)


def test_a_rater_is_never_served_an_answer_twice(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "a.db")) as store:
        arena = Arena(store, _FAST, np.random.default_rng(4))
        arena.briefing.publish(20.0, "USD", "the test team")
        arena.import_samples(_samples())
        rater = _rater(arena, "reader")
        shown: list[int] = []
        with pytest.raises(NoBattleAvailable, match="not seen"):
            for _ in range(100):
                battle_id = arena.next_battle(rater)
                view = arena.data.battle(battle_id)
                assert view is not None
                with store.transaction("reading samples") as session:
                    shown += session.execute(text(
                        "SELECT sample_a, sample_b FROM arena_battles WHERE id = :battle"),
                        {"battle": battle_id}).one()
                arena.vote(rater, battle_id, "model_a")
        assert len(shown) == len(set(shown)) and shown
        assert arena.sampling().warnings  # 4 prompts x 3 models: fewer than 50 wanted


def test_informed_partisan_votes_are_excluded_and_flagged() -> None:
    """A rater who saw m1's answer revealed, then met it again and always chose it."""
    votes = [_row(1, "model_a", "m1", "m2", 1, 2)]
    votes += [_row(1, "model_a", "m1", "m2", 1, 10 + i) for i in range(6)]
    votes += [_row(2, "model_b", "m1", "m2", 1, 2)]
    quality = rater_quality(votes, ArenaOptions())
    assert any(flag.kind is Exclusion.FAVOURS_WHEN_INFORMED and "favours m1" in flag.detail
               for flag in quality[1].flags)
    assert not quality[2].flags
    records = battle_records(votes, quality)
    assert all("had seen one of these answers" in r.reason for r in records[1:7])
    assert all(Exclusion.INFORMED in {e.kind for e in r.exclusions} for r in records[1:7])
    assert "had seen" not in records[0].reason


@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 1800)), max_size=30))
def test_paid_time_is_the_measure_of_the_union(spans: list[tuple[int, int]]) -> None:
    """Whatever the overlaps: paid seconds = the union's length, never more."""
    votes = [_row(1, "tie", "m1", "m2", 2 * i + 1, 2 * i + 2, seconds=float(length),
                  minute=0) for i, (_, length) in enumerate(spans)]
    votes = [replace(v, created_at=_T0 + timedelta(seconds=end + length))
             for v, (end, length) in zip(votes, spans, strict=True)]
    activity = [RaterActivity(1, "r", "rater-1", "rater", 1, len(votes),
                              sum(v.seconds for v in votes))]
    (row,) = pay_rows(activity, votes)
    merged: list[list[int]] = []
    for start, stop in sorted((end, end + length) for end, length in spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    assert row.seconds == pytest.approx(sum(b - a for a, b in merged))
    owed = dict(row.owed).get("USD", 0.0)  # 60 an hour: a cent a minute, rounded
    assert owed == pytest.approx(row.seconds / 60, abs=0.01)
