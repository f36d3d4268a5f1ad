"""The arena audited against the Leaderboard Illusion: private variants capped per
provider, hidden models kept in votes and exports, best-of-N inflation simulated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from cli.test_cli import run
from pg import fresh_database

from fairclimb.arena import Arena, Visibility
from fairclimb.audit import audit_arena
from fairclimb.audit._arena import best_of_n_inflation
from fairclimb.errors import UserInputError
from fairclimb.models import ModelSpec
from fairclimb.store import NewBattle, NewVote, SampleIn, Store, VoteTiming

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def elapsed(now: datetime) -> VoteTiming:
    """The seconds since serving, never a fast vote: the store records whatever timing
    the arena decides (the rule itself is the arena's, tested there)."""
    return lambda served: ((now - served).total_seconds(), None)
ACME = [f"acme-{i}" for i in range(5)]
MODELS = [*ACME, "solo"]


def _arena(store: Store, votes: int = 0) -> Arena:
    for name in ACME:  # provider: the base URL's host
        store.add_model(ModelSpec(name=name, base_url="http://acme.example/v1", model_id=name))
    store.add_model(ModelSpec(name="solo", base_url="http://x.example/v1", model_id="s",
                              provider="Solo Labs"))
    arena = Arena(store)
    arena.data.add_samples([SampleIn(m, "p", f"{m} answer", passed=None) for m in MODELS],
                           NOW)
    pool = {row[2]: row for row in arena.data.sample_pool()}
    rng = np.random.default_rng(3)
    for i in range(votes):  # one rater per vote: nobody has seen a model named before
        rater = arena.data.create_account(f"r{i}", f"rater-{i}", "rater", "h", NOW)
        a, b = rng.choice(len(MODELS), 2, replace=False)
        ma, mb = MODELS[a], MODELS[b]
        served = NOW + timedelta(minutes=i)
        battle = arena.data.add_battle(NewBattle(rater.id, pool[ma][1], pool[ma][0],
                                                 pool[mb][0], ma, mb, 1 / 15, None, served))
        winner = "model_a" if rng.random() < 0.5 else "model_b"
        at = served + timedelta(seconds=30)
        arena.data.add_vote(NewVote(battle, rater.id, winner), at, elapsed(at))
    return arena


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        with fresh_database() as url, Store.open(url) as opened:
            yield opened
        return
    with Store.open(str(tmp_path / "a.db")) as opened:
        yield opened


def test_the_policy_refuses_a_providers_fourth_private_variant(store: Store) -> None:
    visibility = Visibility(_arena(store).data)
    for name in ACME[:3]:
        visibility.hide_model(name)
    visibility.hide_model("solo")  # another provider: its own count
    with pytest.raises(UserInputError, match=r"acme\.example already has 3 private"):
        visibility.hide_model(ACME[3])
    assert visibility.hidden_models() == {*ACME[:3], "solo"}  # nothing stored
    visibility.set_max_private_variants(4)
    visibility.hide_model(ACME[3])
    with pytest.raises(UserInputError, match="no answers of model"):
        visibility.hide_model("nobody")


def test_hidden_models_leave_the_board_but_stay_in_votes_and_exports(tmp_path: Path) -> None:
    db = str(tmp_path / "h.db")
    with Store.open(db) as store:
        arena = _arena(store, votes=40)
        before = {m.model for m in arena.leaderboard().ratings.models}  # type: ignore[union-attr]
    assert run(["arena", "hide-model", "acme-0", "--db", db], tmp_path).returncode == 0
    with Store.open(db) as store:
        arena = Arena(store)
        board = arena.leaderboard()
        assert board.ratings is not None and board.hidden == ("acme-0",)
        assert {m.model for m in board.ratings.models} == before - {"acme-0"}
        ranks = [m.rank for m in board.ratings.models]  # among the shown models
        assert min(ranks) == 1 and max(m.rank_upper for m in board.ratings.models) <= 5
        exported = arena.export_votes()
        assert any("acme-0" in (r["model_a"], r["model_b"]) for r in exported)
        assert arena.data.votes() and len(arena.data.votes()) == 40
    sampling = run(["arena", "export-sampling", "--db", db], tmp_path)
    assert sampling.returncode == 0, sampling.stderr
    body = json.loads(sampling.stdout)
    assert body["policy"] == {"max_private_variants": 3, "hidden_models": ["acme-0"]}
    assert len(body["battles"]) == 40 and body["battles"][0]["probability"] == 1 / 15
    refused = run(["arena", "hide-model", "nobody", "--db", db], tmp_path)
    assert refused.returncode != 0 and "no answers of model 'nobody'" in refused.stderr


def test_best_of_n_inflation_grows_with_the_variants_tested() -> None:
    rng = np.random.default_rng(0)
    assert best_of_n_inflation([20.0], rng) == 0.0
    two = best_of_n_inflation([20.0] * 2, np.random.default_rng(0))
    five = best_of_n_inflation([20.0] * 5, np.random.default_rng(0))
    assert 0 < two < five
    assert two == pytest.approx(20 / np.sqrt(np.pi), rel=0.03)  # E max of 2 normals


def test_audit_arena_reports_inflation_for_a_provider_with_many_variants(
        tmp_path: Path) -> None:
    db = str(tmp_path / "i.db")
    with Store.open(db) as store:
        arena = _arena(store, votes=120)
        Visibility(arena.data).hide_model("acme-1")
        audit = audit_arena(arena, seed=1)
    by_model = {m.model: m for m in audit.models}
    assert by_model["acme-0"].inflation is not None and by_model["acme-0"].inflation > 0
    assert by_model["solo"].inflation == 0.0  # one variant: nothing to select from
    assert by_model["acme-1"].hidden and by_model["acme-1"].inflation is None
    (acme,) = [p for p in audit.providers if p.provider == "acme.example"]
    assert (acme.tested, acme.published, acme.hidden) == (5, 4, 1)
    assert sum(m.battle_share for m in audit.models) == pytest.approx(1.0)
    assert sum(m.votes for m in audit.models) == 240
    shown = run(["audit", "arena", "--json", "--out", str(tmp_path / "out"), "--db", db],
                tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == json.loads(
        (tmp_path / "out" / "arena-audit.json").read_text())
