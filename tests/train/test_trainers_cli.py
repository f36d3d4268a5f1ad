"""fairclimb train from the command line, as a person runs it: a run killed with
SIGKILL resumes from its checkpoint, a finished run is not trained again, and bad
input is one sentence, exit != 0, with no directory and no registry entry left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from interrupt import FAIRCLIMB_WITH_DEFAULT_SIGINT
from trainer_fixtures import make_checkpoint, make_dataset, make_suite, planted_votes, vote_texts

from fairclimb.data import Vote
from fairclimb.store import Store

pytest.importorskip("trl", reason="the train extra is not installed")
pytestmark = pytest.mark.slow  # each trains a tiny model for a few seconds to a minute

FAIRCLIMB = [sys.executable, "-m", "fairclimb"]
VOTES = planted_votes(40, seed=1)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with a dataset of votes, one of preferences only, a suite, and a base."""
    root = tmp_path_factory.mktemp("train-cli")
    with Store.open(str(root / "fairclimb.db")) as store:
        make_suite(store)
        make_dataset(store, "votes", VOTES)
        only_pairs = [Vote(**{**vars_of(v), "correction": ""}) for v in VOTES[:6]]
        make_dataset(store, "pairs-only", only_pairs)
    make_checkpoint(root / "base", vote_texts(VOTES))
    return root


def vars_of(vote: Vote) -> dict[str, object]:
    return {name: getattr(vote, name) for name in vote.__dataclass_fields__}


def fairclimb(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAIRCLIMB, *args, "--db", str(home / "fairclimb.db")],
                          capture_output=True, text=True, timeout=timeout, cwd=home, check=False,
                          env={**os.environ, "COLUMNS": "200"})


def models(home: Path) -> list[str]:
    with Store.open(str(home / "fairclimb.db")) as store:
        return [spec.name for spec in store.list_models()]


SFT = ["train", "sft", "--dataset", "votes", "--base", "base", "--lr", "0.01",
       "--batch-size", "4", "--device", "cpu", "--seed", "3"]


def test_a_run_killed_with_sigkill_resumes_from_its_checkpoint(home: Path) -> None:
    out = home / "resumed"
    command = [*FAIRCLIMB, *SFT, "--out", str(out), "--max-steps", "40", "--save-steps", "2",
               "--db", str(home / "fairclimb.db")]
    process = subprocess.Popen(command, cwd=home, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not list(out.glob("checkpoint-*/trainer_state.json")):
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no checkpoint was written in time"
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert not (out / "fairclimb-train.json").exists()
    killed_at = max(json.loads(line)["step"]
                    for line in (out / "metrics.jsonl").read_text().splitlines())
    assert killed_at < 40

    again = fairclimb(home, *SFT, "--out", str(out), "--max-steps", "40", "--save-steps", "2",
                      "--json")
    assert again.returncode == 0, again.stderr
    outcome = json.loads(again.stdout)
    assert outcome["status"] == "finished" and outcome["steps"] == 40
    assert outcome["resumed_from_step"] is not None and outcome["resumed_from_step"] >= 2
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()
             if "loss" in json.loads(line)]
    assert steps == list(range(1, 41)), "each step is logged once across the kill"
    assert "resumed" in models(home)

    done = fairclimb(home, *SFT, "--out", str(out), "--max-steps", "40", "--save-steps", "2")
    assert done.returncode == 0, done.stderr
    assert "already holds a finished sft run" in done.stdout and "nothing to do" in done.stdout


def test_ctrl_c_stops_with_a_sentence_and_keeps_the_checkpoint(home: Path) -> None:
    out = home / "interrupted"
    command = [*FAIRCLIMB_WITH_DEFAULT_SIGINT, *SFT, "--out", str(out), "--max-steps", "400",
               "--save-steps", "2",
               "--db", str(home / "fairclimb.db")]
    process = subprocess.Popen(command, cwd=home, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not list(out.glob("checkpoint-*/trainer_state.json")):
            assert process.poll() is None, "the run ended before it could be interrupted"
            assert time.monotonic() < deadline, "no checkpoint was written in time"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, stderr
    assert "interrupted; rerun the same command to resume" in stderr
    assert "Traceback" not in stderr
    assert list(out.glob("checkpoint-*/trainer_state.json"))
    assert not (out / "fairclimb-train.json").exists() and "interrupted" not in models(home)


@pytest.mark.parametrize(("args", "says"), [
    (["train", "sft", "--dataset", "nope", "--base", "base"], "unknown dataset 'nope'"),
    (["train", "dpo", "--dataset", "votes", "--base", "no/such/dir"],
     "no such checkpoint directory and no registered model"),
    (["train", "grpo", "--suite", "nosuite", "--base", "base"], "unknown suite 'nosuite'"),
    (["train", "sft", "--dataset", "pairs-only", "--base", "base"],
     "dataset pairs-only has no sft records"),
    (["train", "grpo", "--base", "base"], "--suite S (one or more) or from --dataset NAME"),
    (["train", "grpo", "--dataset", "votes", "--base", "base"],
     "has no records whose task has tests; give --reward-model NAME"),
    (["train", "dpo", "--dataset", "votes", "--base", "base", "--override-contamination"],
     "--override-contamination needs --reason"),
    (["train", "reward", "--dataset", "votes", "--base", "base", "--name", "taken"],
     "already registered"),
])
def test_bad_input_is_one_sentence_and_leaves_nothing(home: Path, args: list[str],
                                                      says: str) -> None:
    with Store.open(str(home / "fairclimb.db")) as store:
        from fairclimb.models import ModelSpec

        if store.get_model("taken") is None:
            store.add_model(ModelSpec(name="taken", base_url="", model_id=str(home / "base"),
                                      backend="hf"))
    before = models(home)
    out = home / "refused"
    result = fairclimb(home, *args, "--out", str(out))
    assert result.returncode == 2, result.stdout + result.stderr
    assert says in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 3
    assert not out.exists() and models(home) == before


def test_cuda_asked_for_and_absent_is_refused(home: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    out = home / "no-cuda"
    result = fairclimb(home, *SFT, "--out", str(out), "--max-steps", "1", "--device", "cuda")
    assert result.returncode == 2
    said = " ".join(result.stderr.split())
    assert "--device cuda was asked for, but torch sees no CUDA GPU" in said
    assert not out.exists()


def test_a_foreign_out_directory_is_refused(home: Path) -> None:
    out = home / "someone-elses"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    result = fairclimb(home, *SFT, "--out", str(out), "--max-steps", "1")
    assert result.returncode == 2
    assert "not a fairclimb training run" in " ".join(result.stderr.split())
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_the_missing_train_extra_names_the_pip_command(home: Path, tmp_path: Path) -> None:
    """A TRL that cannot be imported, as where the extra was never installed."""
    shadow = tmp_path / "shadow" / "trl"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named trl')\n")
    out = home / "no-extra"
    path = os.pathsep.join([str(tmp_path / "shadow"), os.environ.get("PYTHONPATH", "")])
    result = subprocess.run(
        [*FAIRCLIMB, *SFT, "--out", str(out), "--max-steps", "1", "--db",
         str(home / "fairclimb.db")], capture_output=True, text=True, cwd=home, timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": path, "COLUMNS": "200"})
    assert result.returncode == 2, result.stderr
    assert "pip install 'fairclimb[train]'" in result.stderr
    assert not out.exists()


def test_an_unfinished_run_of_another_trainer_is_not_resumed_as_this_one(home: Path) -> None:
    out = home / "other-run"
    out.mkdir()
    marker = {"trainer": "dpo", "source": {"dataset": "votes", "suites": []},
              "described": "dataset votes", "options": {}}
    (out / "fairclimb-run.json").write_text(json.dumps(marker))
    result = fairclimb(home, *SFT, "--out", str(out), "--max-steps", "1")
    assert result.returncode == 2
    said = " ".join(result.stderr.split())
    assert "holds an unfinished dpo run on dataset votes" in said and "rerun that command" in said
    assert sorted(p.name for p in out.iterdir()) == ["fairclimb-run.json"]
