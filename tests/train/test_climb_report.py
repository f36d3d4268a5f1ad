"""fairclimb climb report against the local OpenAI-protocol server serving three models:
a base, one that gains only on the public tasks of fairclimb-implement (public and
private splits), and one that gains as much on both. Only the first climb is flagged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, prompt_text
from tiny_hf import tiny_gpt2

from fairclimb.suites import Split, Task, get_suite

SUITE = "fairclimb-implement"
FAIRCLIMB = [sys.executable, "-m", "fairclimb"]


def _solved() -> dict[str, set[str]]:
    """Which tasks each served model answers right (the rest get a wrong body)."""
    tasks = get_suite(SUITE).tasks
    by_split = {split: [t for t in tasks if t.split is split] for split in Split}
    base = {t.task_id for ts in by_split.values() for i, t in enumerate(ts) if i % 4 == 0}
    more = {t.task_id for ts in by_split.values() for i, t in enumerate(ts) if i % 4 == 2}
    public = {t.task_id for t in by_split[Split.PUBLIC]}
    return {"base": base, "public-only": base | public, "equal": base | more}


SOLVED = _solved()
TASKS: list[Task] = list(get_suite(SUITE).tasks)


def responder(request: dict[str, Any]) -> str:
    text = prompt_text(request)
    task = next(t for t in TASKS if t.prompt.strip() in text)
    right = task.task_id in SOLVED[str(request["model"])]
    body = task.reference if right else "    raise NotImplementedError\n"
    return f"```python\n{task.prompt}{body}\n```\n"


def run(args: list[str], cwd: Path, columns: int = 200) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "COLUMNS": str(columns)},
                          check=False)


@pytest.fixture
def served(fake_openai: FakeOpenAI, tmp_path: Path) -> FakeOpenAI:
    """The three models registered in ``s.db`` (in this process: what ``fairclimb models
    add NAME --base-url URL --model NAME`` stores, without three interpreter starts;
    the climb report under test is still run as a command)."""
    from fairclimb.models import ModelSpec, validate_spec
    from fairclimb.store import Store

    fake_openai.set_responder(responder)
    with Store.open(str(tmp_path / "s.db")) as store:
        for name in SOLVED:
            store.add_model(validate_spec(ModelSpec(name=name, base_url=fake_openai.base_url,
                                                    model_id=name)))
    return fake_openai


def climb(trained: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(["climb", "report", "--base", "base", "--trained", trained, "--suite", SUITE,
                "--out", f"climb-{trained}", "--json", "--db", "s.db", "--workers", "2"], cwd)


@pytest.mark.slow
def test_public_only_gain_is_flagged_and_equal_gain_is_not(served: FakeOpenAI,
                                                           tmp_path: Path) -> None:
    flagged = climb("public-only", tmp_path)
    assert flagged.returncode == 1, flagged.stderr  # a flagged climb exits 1
    report = json.loads(flagged.stdout)
    rows = {row["split"]: row for row in report["results"]}
    assert set(rows) == {"public", "private"}
    assert {k for k in rows["public"]} >= {"suite", "split", "base", "trained", "diff",
                                           "lower", "upper", "tasks"}
    assert rows["public"]["tasks"] == 50 and rows["private"]["tasks"] == 20
    assert rows["public"]["base"] == pytest.approx(13 / 50)
    assert rows["public"]["trained"] == 1.0 and rows["public"]["lower"] > 0
    assert rows["private"]["diff"] == 0.0 and rows["private"]["gained"] == 0
    [flag] = report["flags"]
    assert flag["kind"] == "public_gain_exceeds_private_gain" and flag["suite"] == SUITE
    assert flag["lower"] > 0
    assert served.calls == 140  # both models, every task of both splits, once

    equal = climb("equal", tmp_path)
    assert equal.returncode == 0, equal.stderr
    report = json.loads(equal.stdout)
    rows = {row["split"]: row for row in report["results"]}
    assert rows["public"]["diff"] == pytest.approx(12 / 50)
    assert rows["private"]["diff"] == pytest.approx(5 / 20)
    assert rows["private"]["lower"] > 0  # a real gain, on both splits
    assert report["flags"] == []
    gap = report["gaps"][SUITE]
    assert gap["lower"] < 0 < gap["upper"]
    assert served.calls == 210  # the base's answers came from the cache

    out = tmp_path / "climb-public-only"
    markdown = (out / "climb.md").read_text()
    assert "public gain exceeds private gain beyond noise" in markdown
    assert (out / "climb.svg").read_text().startswith("<svg")
    assert json.loads((out / "climb.json").read_text())["flags"]

    # In an 80-column terminal the table's cells wrap; no line runs past the edge.
    terminal = run(["climb", "report", "--base", "base", "--trained", "public-only",
                    "--suite", SUITE, "--out", "climb-public-only", "--db", "s.db"], tmp_path,
                   columns=80)
    assert terminal.returncode == 1, terminal.stderr
    assert "public gain exceeds private gain beyond noise" in terminal.stdout
    assert "public-only" in terminal.stdout and "[+" in terminal.stdout
    assert max(len(line) for line in terminal.stdout.splitlines()) <= 80, terminal.stdout
    assert served.calls == 210  # still nothing asked twice


@pytest.mark.parametrize(("args", "message"), [
    (["--base", "base", "--trained", "nobody", "--suite", SUITE], "nobody"),
    (["--base", "base", "--trained", "equal", "--suite", "no-such-suite"], "no-such-suite"),
    (["--base", "base", "--trained", "base", "--suite", SUITE], "are both 'base'"),
])
def test_bad_input_is_one_sentence_and_leaves_nothing(served: FakeOpenAI, tmp_path: Path,
                                                      args: list[str], message: str) -> None:
    result = run(["climb", "report", *args, "--out", "r", "--db", "s.db"], tmp_path)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3  # one sentence, wrapped
    assert not (tmp_path / "r").exists()
    assert served.calls == 0


@pytest.mark.slow
def test_scores_on_what_the_trained_model_was_trained_on_are_marked(tmp_path: Path) -> None:
    """A tiny hf base and a 'trained' copy whose lineage says GRPO ran on the public
    split: the public row says so, the private row does not, in JSON and Markdown."""
    pytest.importorskip("transformers", reason="the hf extra is not installed")
    pytest.importorskip("tokenizers", reason="tokenizers is not installed")
    from fairclimb.audit import ClimbOptions, climb_markdown, climb_report
    from fairclimb.evaluate import EvalOptions
    from fairclimb.models import Device, GenerationParams, LocalOptions, ModelSpec
    from fairclimb.store import Store
    from fairclimb.train import Lineage
    from fairclimb.train._lineage import register_trained

    base_dir = tiny_checkpoint(tmp_path / "base")
    trained_dir = tiny_checkpoint(tmp_path / "trained")
    lineage = Lineage.model_validate({
        "name": "trained", "trainer": "grpo",
        "base": {"path": str(base_dir), "sha256": "ab" * 32, "registered_as": "base"},
        "datasets": [], "suites": [{"suite": SUITE, "split": "public"}],
        "hyperparameters": {}, "seeds": {"seed": 0}, "libraries": {}, "device": "cpu",
        "wall_s": 1.0})
    options = ClimbOptions(base="base", trained="trained", suites=(SUITE,),
                           out_dir=tmp_path / "climb", n=1,
                           params=GenerationParams(temperature=0.0, max_tokens=4, seed=0),
                           local=LocalOptions(Device.CPU, 16), rounds=200)
    with Store.open(str(tmp_path / "s.db")) as store:
        store.add_model(ModelSpec(name="base", base_url="", model_id=str(base_dir),
                                  backend="hf"))
        register_trained(store, "trained", trained_dir, lineage)
        report = climb_report(store, options, EvalOptions(workers=2), {})
    marked = {row["split"]: row["trained_on"] for row in report.to_json()["results"]}
    assert marked == {"public": True, "private": False}
    assert f"| {SUITE} | public (trained on it) |" in climb_markdown(report)
    assert f"| {SUITE} | private |" in climb_markdown(report)


def tiny_checkpoint(path: Path) -> Path:
    """A 1-layer random GPT-2 with a word-level tokenizer (nothing downloaded)."""
    return tiny_gpt2(path, ["def f ( x ) : return x + 1"], width=16, positions=4096)


def test_the_arena_rating_difference_is_reported_when_both_have_votes(
        fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    """A three-task suite built into the store, and 40 arena votes where 'trained' wins
    most battles against 'base': the report sets both ratings side by side."""
    import numpy as np

    from fairclimb.arena import Arena, ArenaOptions, Role
    from fairclimb.audit import ClimbOptions, climb_markdown, climb_report
    from fairclimb.evaluate import EvalOptions
    from fairclimb.models import ModelSpec
    from fairclimb.store import SampleIn, Store, StoredSuite, SuiteRepository
    from fairclimb.suites import task_to_fields

    fake_openai.set_responder(responder)
    tasks = [t for t in TASKS if t.split is Split.PUBLIC][:3]
    fast = ArenaOptions(votes_per_minute=10_000, battles_per_minute=10_000,
                        fast_vote_seconds=0.0, gold_rate=0.0)
    with Store.open(str(tmp_path / "s.db")) as store:
        for name in ("base", "equal"):
            store.add_model(ModelSpec(name=name, base_url=fake_openai.base_url,
                                      model_id=name))
        SuiteRepository(store).put(StoredSuite(
            "tiny", "three tasks", "test", {}, [task_to_fields(t) for t in tasks]))
        arena = Arena(store, fast, np.random.default_rng(3))
        arena.briefing.publish(20.0, "USD", "the test team")
        arena.import_samples([SampleIn(model, t.prompt, f"{t.reference}# {model}\n")
                              for t in tasks for model in ("base", "equal")])
        # A rater sees each of the 3 pairs once (the arena shows no repeated answers),
        # so 40 votes take 14 raters.
        for i in range(40):
            if i % 3 == 0:
                username = f"rater{i // 3}"
                account = arena.accounts.create(username, "rater-password-1", Role.RATER)
                arena.briefing.accept(account, 1)
                signed = arena.data.account(username=username)
                assert signed is not None
                rater = arena.accounts.session(arena.accounts.start_session(signed)[0])
            battle = arena.battle(rater, arena.next_battle(rater))
            better = "model_a" if battle.model_a == "equal" else "model_b"
            worse = "model_b" if better == "model_a" else "model_a"
            arena.vote(rater, battle.id, better if i % 5 else worse)
        options = ClimbOptions(base="base", trained="equal", suites=("tiny",),
                               out_dir=tmp_path / "climb", rounds=200)
        report = climb_report(store, options, EvalOptions(workers=2), {})
    assert report.arena is not None
    assert report.arena.trained > report.arena.base and report.arena.diff > 0
    assert report.to_json()["arena"]["diff"] == pytest.approx(report.arena.diff)
    assert "## Arena" in climb_markdown(report) and "difference +" in climb_markdown(report)
