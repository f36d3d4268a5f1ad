"""A live battle started on one server worker is found by another (``arena serve
--workers N``): its page and event stream may be opened on any worker. Two Arena
objects on two stores over one database stand for two worker processes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fake_openai import FakeOpenAI

from fairclimb.arena import Arena, ArenaDenied, ArenaOptions, Role, SignedIn
from fairclimb.models import ModelSpec, Terms
from fairclimb.store import Store

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
