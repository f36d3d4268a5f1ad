"""The arena's stored votes wired to the ratings engine, the CLI and the data part."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from pg import fresh_database

from fairclimb.arena import (
    Arena,
    ArenaOptions,
    RatingOptions,
    Role,
    SignedIn,
    arena_feedback_votes,
    compute_ratings,
    import_arena_feedback,
    ratings_from_store,
)
from fairclimb.arena._board import PAGE_RATING_OPTIONS
from fairclimb.data import Exclusion, Winner
from fairclimb.store import DataRepository, SampleIn, Store

_FAST = ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                     fast_vote_seconds=0.0, gold_rate=0.0)
_STRENGTH = {"m-strong": 2.0, "m-mid": 1.0, "m-weak": 0.0}


def _samples() -> list[SampleIn]:
    rows = []
    for p in range(6):
        prompt = f"def f{p}(x):\n    \"\"\"Return x plus {p}.\"\"\"\n"
        for model in _STRENGTH:
            rows.append(SampleIn(model, prompt, f"    return x + {p}  # {model}\n"))
    rows.append(SampleIn("m-strong", "A page.", "<p>a</p>", kind="webdev", language="html"))
    rows.append(SampleIn("m-weak", "A page.", "<p>b</p>", kind="webdev", language="html"))
    return rows


def _rater(arena: Arena, name: str) -> SignedIn:
    account = arena.accounts.create(name, "rater-password-1", Role.RATER)
    arena.briefing.accept(account, 1)
    refreshed = arena.data.account(username=name)
    assert refreshed is not None
    return arena.accounts.session(arena.accounts.start_session(refreshed)[0])


def _vote_many(arena: Arena, raters: list[SignedIn], n: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    for i in range(n):
        rater = raters[i % len(raters)]
        battle = arena.battle(rater, arena.next_battle(rater))
        gap = _STRENGTH[battle.model_a] - _STRENGTH[battle.model_b]
        p_a = 1 / (1 + np.exp(-gap))
        draw = rng.random()
        winner = "tie" if draw > 0.9 else ("model_a" if rng.random() < p_a else "model_b")
        arena.vote(rater, battle.id, winner)


def _arena_db(tmp_path: Path) -> Path:
    """A SQLite arena with 60 counted votes, one with labels and a correction, and one
    fast (flagged) vote."""
    db = tmp_path / "arena.db"
    _fill(str(db))
    return db


def _fill(url: str) -> None:
    with Store.open(url) as store:
        arena = Arena(store, _FAST, np.random.default_rng(3))
        arena.briefing.publish(20.0, "USD", "the test team")
        arena.import_samples(_samples())
        # a rater is never shown an answer twice: about six tasks each
        raters = [_rater(arena, f"rater{i}") for i in range(10)]
        _vote_many(arena, raters, 59)
        battle = arena.battle(raters[0], arena.next_battle(raters[0]))
        arena.vote(raters[0], battle.id, "model_a", labels_b=["off-by-one"],
                   comment="B is off by one", correction="    return x + 1  # fixed\n")
        strict = Arena(store, ArenaOptions(fast_vote_seconds=3600.0, gold_rate=0.0),
                       np.random.default_rng(4))
        battle = strict.battle(raters[1], strict.next_battle(raters[1]))
        assert strict.vote(raters[1], battle.id, "model_b").flag is not None


@pytest.fixture(scope="module")
def arena_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _arena_db(tmp_path_factory.mktemp("wiring"))


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(Path(__file__).parents[2])}
    return subprocess.run([sys.executable, "-m", "fairclimb", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=env, check=False)


def test_leaderboard_is_the_ratings_engine_on_counted_votes(arena_db: Path) -> None:
    with Store.open(str(arena_db)) as store:
        arena = Arena(store, _FAST)
        board = arena.leaderboard()
        records = arena.battle_records()
        counted = [r for r in records if not r.excluded]
        expected = compute_ratings(counted, PAGE_RATING_OPTIONS)
        assert board.ratings is not None and board.ratings.models == expected.models
        assert (board.counted, board.excluded) == (60, 1)
        assert board.reasons == ((Exclusion.FAST_VOTE, 1),)
        top = board.ratings.models[0]
        assert top.model == "m-strong" and top.lower < top.rating < top.upper
        assert "200-round bootstrap" in board.method
        assert arena.leaderboard(kind="explain").ratings is None  # no such votes
        web = arena.leaderboard(kind="webdev")
        python = arena.leaderboard(language="python", kind="implement")
        assert web.counted + python.counted == 60 and python.counted > 40
        assert python.ratings is not None and python.ratings.models == compute_ratings(
            [b for b in counted if b.language == "python"], PAGE_RATING_OPTIONS).models

@pytest.mark.slow  # three CLI runs
def test_ratings_cli_reads_the_store(arena_db: Path, tmp_path: Path) -> None:
    result = _run(["ratings", "--db", str(arena_db), "--json", "--bootstrap", "50"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert any("1 of 61 battles left out" in w for w in json.loads(result.stdout)["warnings"])
    with Store.open(str(arena_db)) as store:
        arena = Arena(store, _FAST)
        expected = ratings_from_store(arena, RatingOptions(bootstrap=50))
        weighted = ratings_from_store(arena, RatingOptions(bootstrap=50, weighted=True))
        weights = {round(b.weight, 6) for b in arena.rating_battles()}
    assert json.loads(result.stdout)["models"] == [asdict(m) for m in expected.models]
    # 1 / the pair's draw probability, among the answers the rater had not seen yet (a
    # rater's last unseen pair is drawn with probability 1)
    assert len(weights) > 1 and min(weights) >= 1
    shown = _run(["ratings", "--db", str(arena_db), "--json", "--bootstrap", "50",
                  "--weighted"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["models"] == [asdict(m) for m in weighted.models]
    assert weighted.models != expected.models
    empty = _run(["ratings", "--db", str(tmp_path / "empty.db")], tmp_path)
    assert empty.returncode == 2 and "no votes yet" in empty.stderr
    assert "Traceback" not in empty.stderr


@pytest.mark.slow  # three CLI runs
def test_arena_votes_become_training_records(arena_db: Path, tmp_path: Path) -> None:
    with Store.open(str(arena_db)) as store:
        votes = arena_feedback_votes(Arena(store, _FAST))
        pseudonyms = {a.pseudonym for a in Arena(store).data.rater_activity()}
    assert len(votes) == 61 and len({v.vote_id for v in votes}) == 61
    (flagged,) = [v for v in votes if v.excluded]
    assert [e.kind for e in flagged.exclusions] == [Exclusion.FAST_VOTE]
    assert flagged.exclusions[0].detail.startswith("fast vote")
    (corrected,) = [v for v in votes if v.correction]
    assert corrected.winner is Winner.MODEL_A and corrected.labels_b == ("off-by-one",)
    assert all(v.briefing_version == "1" and v.rater in pseudonyms for v in votes)
    assert all(v.pay_usd == pytest.approx(v.seconds / 3600 * 20.0, abs=1e-4) for v in votes)

    db = str(arena_db)
    imported = _run(["data", "import-feedback", "--from-arena", "--dataset", "fb",
                     "--db", db, "--json"], tmp_path)
    assert imported.returncode == 0, imported.stderr
    counts = json.loads(imported.stdout)
    decisive = sum(v.winner.decisive and not v.excluded for v in votes)
    ties = sum(not v.winner.decisive and not v.excluded for v in votes)
    assert counts["votes"] == 61 and counts["flagged_left_out"] == 1
    assert counts["ties_left_out"] == ties
    assert counts["records"] == decisive + 2  # + the correction (SFT) and the labels
    with Store.open(db) as store:
        assert import_arena_feedback(store, "fb")["added"] == 0  # vote ids: nothing twice
    stats = json.loads(_run(["data", "stats", "fb", "--json", "--db", db], tmp_path).stdout)
    assert stats["kept"] == counts["kept"] > 0
    assert stats["kept_by_origin"]["hybrid"] == 1 and stats["kept_by_origin"]["synthetic"] == 0
    with Store.open(db) as store:
        members = DataRepository(store).members("fb")
    kinds = {m.record.kind for m in members}
    assert kinds == {"preference", "sft", "annotation"}
    for member in members:
        human = member.record.provenance["human"]
        assert human["rater"] in pseudonyms and human["briefing_version"] == "1"
        assert human["seconds"] >= 0 and human["vote_id"].startswith("arena:")
        assert human["vote_id"] != flagged.vote_id  # flagged votes make no record
    (sft,) = [m for m in members if m.record.kind == "sft"]
    assert sft.record.content["messages"][1]["content"] == "    return x + 1  # fixed\n"
    both = _run(["data", "import-feedback", "v.jsonl", "--from-arena", "--dataset", "fb",
                 "--db", db], tmp_path)
    assert both.returncode == 2 and "either a votes file or --from-arena" in both.stderr


def test_leaderboard_and_feedback_on_postgres() -> None:
    with fresh_database() as url:
        _fill(url)
        with Store.open(url) as store:
            arena = Arena(store, _FAST)
            board = arena.leaderboard()
            assert (board.counted, board.excluded) == (60, 1)
            votes = arena_feedback_votes(arena)
            assert sum(v.excluded for v in votes) == 1 and len(votes) == 61
            counts = import_arena_feedback(store, "fb")
            assert counts["flagged_left_out"] == 1 and counts["added"] > 0
            assert import_arena_feedback(store, "fb")["added"] == 0
