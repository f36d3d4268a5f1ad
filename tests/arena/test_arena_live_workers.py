"""A live battle started on one server worker is found by another (``arena serve
--workers N``): its page and event stream may be opened on any worker. Two Arena
objects on two stores over one database stand for two worker processes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from fake_openai import FakeOpenAI

from fairclimb.arena import Arena, ArenaDenied, ArenaOptions, Role, SignedIn
from fairclimb.models import ModelSpec, Terms
from fairclimb.store import ArenaLiveJobs, Store

_OPTIONS = ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000, gold_rate=0.0)


def _rater(arena: Arena, name: str) -> SignedIn:
    account = arena.accounts.create(name, "rater-password-1", Role.RATER)
    arena.briefing.accept(account, 1)
    refreshed = arena.data.account(username=name)
    assert refreshed is not None
    return arena.accounts.session(arena.accounts.start_session(refreshed)[0])


def test_another_worker_finds_a_live_job_and_its_outcome(tmp_path: Path,
                                                         fake_openai: FakeOpenAI) -> None:
    fake_openai.set_responder(lambda r: f"```python\ndef f():\n    return {r['model']!r}\n```")
    fake_openai.set_delay(1.0)
    db = str(tmp_path / "arena.db")
    with Store.open(db) as first_store, Store.open(db) as second_store:
        for name in ("alpha", "beta"):
            first_store.add_model(ModelSpec(name=name, base_url=fake_openai.base_url,
                                            model_id=f"{name}-id", terms=Terms.ALLOW))
        first = Arena(first_store, _OPTIONS, np.random.default_rng(1))
        second = Arena(second_store, _OPTIONS, np.random.default_rng(2))
        first.briefing.publish(20.0)
        first.live.set_enabled("alpha", True)
        first.live.set_enabled("beta", True)
        rater, other = _rater(first, "rita"), _rater(first, "otto")

        job = first.begin_live(rater, "Write f.")
        elsewhere = second.live_jobs.get(rater.account.id, job.id)  # while it runs
        assert not elsewhere.done.is_set() and elsewhere.battle_id is None
        with pytest.raises(ArenaDenied):
            second.live_jobs.get(other.account.id, job.id)  # only its rater's
        assert job.done.wait(60) and job.error is None and job.battle_id is not None

        second.live_jobs.refresh(elsewhere)
        assert elsewhere.done.is_set() and elsewhere.battle_id == job.battle_id
        assert [a.text for _, a in sorted(elsewhere.answers.items())] == \
               [a.text for _, a in sorted(job.answers.items())]
        assert {a.model for a in elsewhere.answers.values()} == {""}  # names after the vote
        with pytest.raises(ArenaDenied):
            second.live_jobs.get(rater.account.id, "no-such-job")


def _two_workers(first_store: Store, second_store: Store, fake_openai: FakeOpenAI
                 ) -> tuple[Arena, Arena, SignedIn]:
    for name in ("alpha", "beta"):
        first_store.add_model(ModelSpec(name=name, base_url=fake_openai.base_url,
                                        model_id=f"{name}-id", terms=Terms.ALLOW))
    first = Arena(first_store, _OPTIONS, np.random.default_rng(1))
    second = Arena(second_store, _OPTIONS, np.random.default_rng(2))
    first.briefing.publish(20.0)
    first.live.set_enabled("alpha", True)
    first.live.set_enabled("beta", True)
    return first, second, _rater(first, "rita")


def test_another_worker_sees_the_text_grow(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    """The worker running the models writes the text so far to the job's row; another
    worker's copy of the job grows with it, well before the job is done."""
    words = " ".join(f"word{i}" for i in range(30))
    fake_openai.set_responder(lambda r: f"{r['model']} says {words}")
    fake_openai.set_chunk_delay(0.1)  # 32 chunks: about 3 s per answer
    db = str(tmp_path / "arena.db")
    with Store.open(db) as first_store, Store.open(db) as second_store:
        first, second, rater = _two_workers(first_store, second_store, fake_openai)
        job = first.begin_live(rater, "Stream thirty words.")
        elsewhere = second.live_jobs.get(rater.account.id, job.id)
        seen: list[str] = []
        while not job.done.is_set():
            second.live_jobs.refresh(elsewhere)
            if elsewhere.partial.get(0) and elsewhere.partial[0] not in seen:
                seen.append(elsewhere.partial[0])
            time.sleep(0.05)
        assert job.error is None
        assert len(seen) >= 3, seen  # it grew, a quarter of a second at a time at most
        assert all(text.startswith(seen[0][:8]) for text in seen)
        assert "word29" not in seen[0]  # a part before the whole


def test_starting_a_live_battle_removes_jobs_an_hour_old(tmp_path: Path,
                                                         fake_openai: FakeOpenAI) -> None:
    fake_openai.set_responder(lambda r: f"```python\ndef f():\n    return {r['model']!r}\n```")
    db = str(tmp_path / "arena.db")
    with Store.open(db) as first_store, Store.open(db) as second_store:
        _, second, rater = _two_workers(first_store, second_store, fake_openai)
        rows = ArenaLiveJobs(first_store)
        old = datetime.now(UTC) - timedelta(hours=2)
        for i in range(3):  # abandoned by a worker that died, and finished ones
            rows.add(f"old-{i}", rater.account.id, "python", "implement", old)
        rows.finish("old-1", None, "the models could not answer just now")
        recent = datetime.now(UTC) - timedelta(minutes=5)
        rows.add("recent", rater.account.id, "python", "implement", recent)
        job = second.begin_live(rater, "Write f.")
        assert job.done.wait(60) and job.error is None
        assert [rows.get(f"old-{i}") for i in range(3)] == [None] * 3
        assert rows.get("recent") is not None and rows.get(job.id) is not None
