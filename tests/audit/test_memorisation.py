"""fairclimb audit memorisation as a user runs it: the fake OpenAI-protocol server as the
model, the real sandbox, a real SQLite store holding a perturbed suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fake_openai import code_responder, prompt_text
from hypothesis import given, settings
from hypothesis import strategies as st

from fairclimb.audit import paired_bootstrap
from fairclimb.audit._min_k import min_k_score
from fairclimb.evaluate import EvalOptions, ProgramJudge
from fairclimb.sandbox import Limits
from fairclimb.store import Store
from fairclimb.suites import Task, build_perturbed_suite, get_suite

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]
ONLY = ("HumanEval/0", "HumanEval/2", "HumanEval/4", "HumanEval/7", "HumanEval/12",
        "HumanEval/13", "HumanEval/23", "HumanEval/28")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "200"}, check=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[Task]]]:
    """A store holding humaneval-perturbed for a few tasks; the tasks in both wordings."""
    folder = tmp_path_factory.mktemp("memorisation")
    with Store.open(str(folder / "s.db")) as store:
        build_perturbed_suite("humaneval", store,
                              ProgramJudge(EvalOptions(workers=2, limits=Limits(wall_s=3.0))),
                              only=ONLY)
        variants = list(get_suite("humaneval-perturbed", store).tasks)
    yield folder, variants


@pytest.fixture
def workdir(built: tuple[Path, list[Task]], tmp_path: Path, fake_openai: Any) -> Path:
    (tmp_path / "s.db").write_bytes((built[0] / "s.db").read_bytes())
    added = run(["models", "add", "fake", "--base-url", fake_openai.base_url, "--model",
                 "fake-coder", "--db", "s.db"], tmp_path)
    assert added.returncode == 0, added.stderr
    return tmp_path


def _answers(tasks: list[Task]) -> Any:
    """A responder answering the prompts of *tasks* with their reference, others wrongly."""
    def respond(request: dict[str, Any]) -> str:
        text = prompt_text(request)
        task = next((t for t in tasks if t.prompt.strip() in text), None)
        if task is None:
            return code_responder(request)
        return f"```python\n{task.prompt}{task.reference}```\n"
    return respond


def _audit(workdir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run(["audit", "memorisation", "--model", "fake", "--suite", "humaneval",
                "--db", "s.db", "--workers", "2", *extra], workdir)


@pytest.mark.slow
def test_a_model_that_knows_only_the_original_wording_is_flagged(
        built: tuple[Path, list[Task]], workdir: Path, fake_openai: Any) -> None:
    originals = [t for t in get_suite("humaneval").tasks if t.task_id in ONLY]
    fake_openai.set_responder(_answers(originals))
    result = _audit(workdir, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {k: report[k] for k in ("model", "suite", "original", "perturbed", "flagged")} \
        == {"model": "fake", "suite": "humaneval", "original": 1.0, "perturbed": 0.0,
            "flagged": True}
    assert report["tasks"] == len(built[1]) and report["drop"] == 1.0
    assert report["lower"] > 0 and report["upper"] <= 1.0
    assert sorted(report["only_original"]) == sorted(
        t.task_id.removeprefix("humaneval-perturbed/") for t in built[1])
    text = _audit(workdir)  # the same answers, now from the generation cache
    assert text.returncode == 0 and "flagged" in text.stdout and "not flagged" not in text.stdout


@pytest.mark.slow
def test_a_model_that_answers_both_wordings_is_not_flagged(
        built: tuple[Path, list[Task]], workdir: Path, fake_openai: Any) -> None:
    originals = [t for t in get_suite("humaneval").tasks if t.task_id in ONLY]
    fake_openai.set_responder(_answers(originals + built[1]))
    result = _audit(workdir, "--json", "-n", "2", "--temperature", "0.5")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["original"] == report["perturbed"] == 1.0
    assert report["flagged"] is False and report["only_original"] == []
    assert report["drop"] == report["lower"] == report["upper"] == 0.0


@pytest.mark.parametrize(("args", "message"), [
    (["--model", "nope", "--suite", "humaneval"], "unknown model 'nope'"),
    (["--model", "fake", "--suite", "nope"], "unknown suite 'nope'"),
    (["--model", "fake", "--suite", "fairclimb-implement"],
     "has no perturbed variant in this store; build it with 'fairclimb suites build "
     "perturbed --from fairclimb-implement'"),
    (["--model", "fake", "--suite", "humaneval", "-n", "0"], "-n must be at least 1"),
    (["--model", "fake", "--suite", "humaneval", "--min-k", "1.5"],
     "--min-k takes a share in (0, 1]"),
])
def test_bad_input_is_one_sentence_and_stores_nothing(
        workdir: Path, args: list[str], message: str) -> None:
    result = run(["audit", "memorisation", *args, "--db", "s.db"], workdir)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with Store.open(str(workdir / "s.db")) as store:
        assert store.list_runs() == []


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=30),
       st.integers(0, 2**32 - 1))
def test_the_paired_bootstrap_is_seeded_and_brackets_the_drop(
        pairs: list[tuple[float, float]], seed: int) -> None:
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    drop, lower, upper = paired_bootstrap(first, second, np.random.default_rng(seed), 200)
    assert -1 - 1e-9 <= lower <= upper <= 1 + 1e-9
    assert (drop, lower, upper) == paired_bootstrap(first, second,
                                                    np.random.default_rng(seed), 200)
    # swapping the wordings mirrors the interval
    neg = paired_bootstrap(second, first, np.random.default_rng(seed), 200)
    assert neg[0] == pytest.approx(-drop) and neg[1] == pytest.approx(-upper, abs=1e-9)


@pytest.mark.parametrize(("logprobs", "k", "score"), [
    ([-1.0, -2.0, -3.0, -4.0], 0.5, -3.5),
    ([-1.0, -2.0, -3.0, -4.0], 0.2, -4.0),  # at least one token
    ([-1.0, -2.0, -3.0, -4.0], 1.0, -2.5),
    ([], 0.2, 0.0),
])
def test_min_k_averages_the_least_likely_tokens(logprobs: list[float], k: float,
                                                score: float) -> None:
    assert min_k_score(logprobs, k) == pytest.approx(score)


@pytest.mark.slow
def test_min_k_scores_canonical_solutions_against_perturbed_ones(
        built: tuple[Path, list[Task]], workdir: Path, fake_openai: Any) -> None:
    originals = [t for t in get_suite("humaneval").tasks if t.task_id in ONLY]
    seen = {t.prompt + t.reference for t in originals}
    fake_openai.set_responder(_answers(originals + built[1]))
    # a model that saw the original solutions finds their tokens likely, the variants' not
    fake_openai.set_scorer(lambda prompt, token: -0.1 if prompt in seen else -3.0)
    result = _audit(workdir, "--json", "--min-k", "0.2")
    assert result.returncode == 0, result.stderr
    min_k = json.loads(result.stdout)["min_k"]
    assert min_k["k"] == 0.2 and min_k["higher"] == len(built[1])
    assert min_k["gap"] == pytest.approx(2.9) and min_k["lower"] > 0
    assert {t["task_id"] for t in min_k["tasks"]} == set(ONLY) & {
        t.task_id.removeprefix("humaneval-perturbed/") for t in built[1]}
    echoed = [r.body for r in fake_openai.received if r.body and r.body.get("echo")]
    assert len(echoed) == 2 * len(built[1]) and all(b["logprobs"] == 0 for b in echoed)


def test_min_k_without_prompt_logprobs_is_one_sentence_and_stores_nothing(
        workdir: Path, fake_openai: Any) -> None:
    fake_openai.set_scorer(None)
    result = _audit(workdir, "--min-k", "0.2")
    # A model that cannot serve --min-k is bad input (exit 2), not a provider failure (5).
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "does not return prompt logprobs" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with Store.open(str(workdir / "s.db")) as store:
        assert store.list_runs() == []
