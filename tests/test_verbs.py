"""The public verbs of ``import fairclimb``: cheap to import, each a real call on small
real input (a real store, the real sandbox, the shipped mock model)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import fairclimb
from fairclimb.arena import Ratings
from fairclimb.data import DistillOutcome
from fairclimb.evaluate import EvalOutcome, GenerationOutcome, ModelEvalOutcome
from fairclimb.models import GenerationParams, ModelSpec, Terms
from fairclimb.store import Store
from fairclimb.suites import Selection, Suite, get_suite, select_tasks

ROOT = Path(fairclimb.__file__).resolve().parent.parent
VERBS = ["distill", "evaluate_model", "evaluate_samples", "generate", "rate", "serve_arena",
         "train"]
RIGHT = "```python\ndef add(x: int, y: int) -> int:\n    return x + y\n```"
WRONG = "```python\ndef add(x: int, y: int) -> int:\n    return x - y\n```"


def python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_import_fairclimb_loads_no_heavy_library(tmp_path: Path) -> None:
    done = python("import sys, fairclimb\n"
                  "heavy = ('sqlalchemy', 'numpy', 'pydantic', 'fairclimb._verbs', 'typing')\n"
                  "print(sorted(m for m in heavy if m in sys.modules))\n"
                  "print(sorted(fairclimb.__all__))", tmp_path)
    assert done.returncode == 0, done.stderr
    loaded, listed = done.stdout.splitlines()
    assert loaded == "[]"
    assert listed == str(sorted(["__version__", *VERBS]))


def test_verbs_resolve_lazily_and_nothing_else_does() -> None:
    assert set(VERBS) <= set(dir(fairclimb))
    for name in VERBS:
        assert callable(getattr(fairclimb, name)) and getattr(fairclimb, name).__doc__
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        fairclimb.nope  # type: ignore[attr-defined]  # noqa: B018


@pytest.mark.parametrize("first", ["the verb", "the part"])
def test_fairclimb_train_is_the_verb_whichever_is_imported_first(tmp_path: Path,
                                                                  first: str) -> None:
    """The train part's module is bound as fairclimb.train once imported; it stays the
    verb by being callable as it."""
    before = "import fairclimb.train\n" if first == "the part" else ""
    done = python(before + "import fairclimb, fairclimb._verbs as verbs, sys\n"
                  "import fairclimb.train as part\n"
                  "assert fairclimb.train is part is sys.modules['fairclimb.train']\n"
                  "assert callable(fairclimb.train) and part.TrainOptions\n"
                  "try:\n    fairclimb.train()\nexcept TypeError as e:\n    print(e)\n",
                  tmp_path)
    assert done.returncode == 0, done.stderr
    assert "train() missing 3 required positional arguments" in done.stdout


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A store with the shipped mock model registered: it answers HumanEval/53 with a
    right and a wrong program (seeded draws between them)."""
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"def add(x: int, y: int)": [RIGHT, WRONG]}))
    url = f"sqlite:///{tmp_path / 'verbs.db'}"
    with Store.open(url) as store:
        store.add_model(ModelSpec("fake", "", str(answers), backend="mock", terms=Terms.ALLOW))
    return url


def one_task() -> Suite:
    return select_tasks(get_suite("humaneval"), Selection(task_ids=("HumanEval/53",)))


def test_evaluate_samples(tmp_path: Path, db: str) -> None:
    samples = tmp_path / "s.jsonl"
    samples.write_text(
        json.dumps({"task_id": "HumanEval/53", "completion": "    return x + y\n"}) + "\n"
        + json.dumps({"task_id": "HumanEval/53", "completion": "    return x\n"}) + "\n")
    outcome = fairclimb.evaluate_samples(samples, tmp_path / "out", db=db)
    assert isinstance(outcome, EvalOutcome)
    statuses = outcome.summary.statuses
    assert (statuses["passed"], statuses["failed"], sum(statuses.values())) == (1, 1, 2)
    assert (tmp_path / "out" / "results.jsonl").exists()


def test_generate_then_evaluate_model(tmp_path: Path, db: str) -> None:
    params = GenerationParams(seed=3)
    made = fairclimb.generate("fake", tmp_path / "gen", suite=one_task(), n=4,
                              params=params, db=db)
    assert isinstance(made, GenerationOutcome) and made.samples == 4
    judged = fairclimb.evaluate_model("fake", tmp_path / "eval", suite=one_task(), n=4,
                                      params=params, db=db)
    assert isinstance(judged, ModelEvalOutcome)
    assert sum(judged.evaluation.summary.statuses.values()) == 4


def test_rate_a_battle_file(tmp_path: Path) -> None:
    battles = [{"model_a": "a", "model_b": "b", "winner": "model_a" if i % 4 else "model_b"}
               for i in range(40)]
    path = tmp_path / "battles.json"
    path.write_text(json.dumps(battles))
    ratings = fairclimb.rate(path, db=f"sqlite:///{tmp_path / 'r.db'}")
    assert isinstance(ratings, Ratings)
    assert [m.model for m in ratings.models] == ["a", "b"] and ratings.n_battles == 40


def test_distill_from_the_mock_teacher(tmp_path: Path, db: str) -> None:
    outcome = fairclimb.distill("fake", "adds", suite=one_task(), n=4,
                                params=GenerationParams(seed=3), db=db)
    assert isinstance(outcome, DistillOutcome)
    assert outcome.samples == 4 and outcome.passed + outcome.failed == 4 and outcome.passed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_arena_serves_until_stopped(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FAIRCLIMB_ARENA_PORT": str(port)}
    code = f"import fairclimb; fairclimb.serve_arena(db={str(tmp_path / 'a.db')!r})"
    server = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/leaderboard",
                                            timeout=5) as answer:
                    status = answer.status
            except urllib.error.HTTPError as refused:  # the API may want a signed-in user
                status = refused.code
            except OSError:  # not listening yet
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the arena did not start"
                time.sleep(0.2)
                continue
            assert status in (200, 401, 403)
            break
    finally:
        server.terminate()
        server.wait(timeout=30)
