"""The four trainers on a tiny random GPT-2 (CPU, nothing downloaded): each learns what
it should, and every run leaves a registered model, its metrics and its plot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from trainer_fixtures import make_checkpoint, make_dataset, make_suite, planted_votes, vote_texts

from fairclimb.models import Device
from fairclimb.store import Store
from fairclimb.train import (
    RunStatus,
    TrainerKind,
    TrainOptions,
    TrainOutcome,
    TrainSource,
    train,
)

pytest.importorskip("trl", reason="the train extra is not installed")
pytestmark = pytest.mark.slow  # each trains a tiny model for a few seconds to a minute

VOTES = planted_votes(60)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("trainers")


@pytest.fixture(scope="module")
def store(workdir: Path) -> Iterator[Store]:
    with Store.open(str(workdir / "fairclimb.db")) as opened:
        make_dataset(opened, "votes", VOTES)
        yield opened


@pytest.fixture(scope="module")
def base(workdir: Path) -> Path:
    return make_checkpoint(workdir / "tiny-base", vote_texts(VOTES))


def options(base: Path, out: Path, **changes: Any) -> TrainOptions:
    values: dict[str, Any] = {"max_steps": 24, "lr": 1e-2, "batch_size": 8, "seed": 0,
                              "device": Device.CPU, "save_steps": 8}
    values.update(changes)
    return TrainOptions(base=str(base), out=out, **values)


def metrics(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def series(out: Path, key: str) -> list[float]:
    return [float(row[key]) for row in metrics(out) if key in row]


def assert_finished(store: Store, outcome: TrainOutcome, kind: TrainerKind) -> None:
    out = outcome.out
    assert outcome.status is RunStatus.FINISHED and outcome.trainer is kind
    assert outcome.steps == 24 and outcome.device == "cpu"
    assert (out / "config.json").is_file() and (out / "tokenizer.json").is_file()
    svg = (out / "metrics.svg").read_text()
    assert svg.startswith("<svg") and "polyline" in svg
    lineage = json.loads((out / "fairclimb-train.json").read_text())
    assert lineage["trainer"] == kind.value and lineage["steps"] == 24
    assert lineage["datasets"][0]["name"] == "votes"
    assert lineage["hyperparameters"]["lr"] == 1e-2 and lineage["seeds"]["seed"] == 0
    assert len(lineage["base"]["sha256"]) == 64 and lineage["libraries"]["trl"] != "absent"
    assert not list(out.glob("checkpoint-*")), "resume points are removed once finished"
    spec = store.get_model(outcome.name)
    assert spec is not None and spec.backend == "hf" and Path(spec.model_id) == out


def test_sft_lowers_the_training_loss(store: Store, base: Path, workdir: Path) -> None:
    out = workdir / "sft-student"
    outcome = train(store, TrainerKind.SFT, TrainSource(dataset="votes"), options(base, out))
    assert_finished(store, outcome, TrainerKind.SFT)
    assert outcome.name == "sft-student" and outcome.examples == 60
    losses = series(out, "loss")
    assert len(losses) == 24
    assert sum(losses[-4:]) / 4 < 0.8 * (sum(losses[:4]) / 4), losses


def test_sft_checkpoint_loads_in_the_hf_backend(store: Store, base: Path,
                                                workdir: Path) -> None:
    """The trained model is an ordinary checkpoint: the hf backend answers from it."""
    import asyncio

    from fairclimb.models import CompletionRequest, GenerationParams, Message, open_backend

    out = workdir / "sft-loadable"
    outcome = train(store, TrainerKind.SFT, TrainSource(dataset="votes"),
                    options(base, out, max_steps=2, lora=True, lora_r=4, lora_alpha=8))
    spec = store.get_model(outcome.name)
    assert spec is not None

    async def ask() -> str:
        backend = open_backend(spec, environ={})
        try:
            answer = await backend.complete(CompletionRequest(
                GenerationParams(temperature=0.0, max_tokens=4),
                messages=(Message("user", "apple banana cherry delta"),)))
            return answer.text
        finally:
            await backend.aclose()

    assert isinstance(asyncio.run(ask()), str)
    assert not list(out.glob("adapter_*")), "LoRA adapters are merged into the saved model"


def test_dpo_raises_the_chosen_over_rejected_margin(store: Store, base: Path,
                                                   workdir: Path) -> None:
    out = workdir / "dpo-student"
    outcome = train(store, TrainerKind.DPO, TrainSource(dataset="votes"), options(base, out))
    assert_finished(store, outcome, TrainerKind.DPO)
    margins = series(out, "rewards/margins")
    assert len(margins) == 24
    assert sum(margins[-4:]) / 4 > sum(margins[:4]) / 4 + 0.5, margins
    assert margins[-1] > 0


def test_reward_model_ranks_held_out_pairs_better_than_chance(store: Store, base: Path,
                                                             workdir: Path) -> None:
    out = workdir / "rm"
    outcome = train(store, TrainerKind.REWARD, TrainSource(dataset="votes"),
                    options(base, out, eval_fraction=0.25))
    assert_finished(store, outcome, TrainerKind.REWARD)
    assert outcome.held_out["pairs"] == 15 and outcome.examples == 45
    assert outcome.held_out["accuracy"] >= 0.8, outcome.held_out
    lineage = json.loads((out / "fairclimb-train.json").read_text())
    assert lineage["held_out"]["accuracy"] == outcome.held_out["accuracy"]


def test_reward_model_before_training_is_near_chance(store: Store, base: Path,
                                                     workdir: Path) -> None:
    """The planted preference is learnt, not present in the random base: one step at a
    tiny learning rate leaves accuracy far from what training reaches."""
    out = workdir / "rm-untrained"
    outcome = train(store, TrainerKind.REWARD, TrainSource(dataset="votes"),
                    options(base, out, max_steps=1, lr=1e-9, eval_fraction=0.25))
    assert outcome.held_out["accuracy"] < 0.8


def test_grpo_rewards_through_one_pool_and_records_statuses(workdir: Path) -> None:
    with Store.open(str(workdir / "grpo.db")) as store:
        make_suite(store)
        base = make_checkpoint(workdir / "tiny-grpo", ["def return x + * 3 ( ) : python"])
        out = workdir / "grpo-student"
        outcome = train(store, TrainerKind.GRPO, TrainSource(suites=("tinyfam",)),
                        options(base, out, max_steps=3, batch_size=4, num_generations=4,
                                max_completion_length=8, lr=1e-3))
        assert outcome.status is RunStatus.FINISHED and outcome.steps == 3
        assert outcome.examples == 2, "the private-split task is never trained on"
        rows = [row for row in metrics(out) if "statuses" in row and "loss" in row]
        assert len(rows) == 3
        for row in rows:
            assert sum(row["statuses"].values()) == 4  # one status per rewarded completion
            assert row["reward_pool_starts"] == 1  # one persistent pool for the whole run
            assert "rewards/execution/mean" in row
        lineage = json.loads((out / "fairclimb-train.json").read_text())
        assert lineage["suites"] == [{"suite": "tinyfam", "split": "public"}]


def test_grpo_scores_prompts_without_tests_with_a_reward_model(store: Store, base: Path,
                                                               workdir: Path) -> None:
    """The votes' prompts have no tests: a trained reward model scores them, logged
    apart from execution (which rewards nothing here and counts no status)."""
    train(store, TrainerKind.REWARD, TrainSource(dataset="votes"),
          options(base, workdir / "rm-for-grpo", max_steps=2))
    out = workdir / "grpo-rm"
    outcome = train(store, TrainerKind.GRPO, TrainSource(dataset="votes"),
                    options(base, out, max_steps=2, batch_size=4, num_generations=4,
                            max_completion_length=6, reward_model="rm-for-grpo",
                            reward_model_weight=0.5))
    assert outcome.status is RunStatus.FINISHED and outcome.steps == 2
    rows = [row for row in metrics(out) if "loss" in row]
    assert len(rows) == 2
    for row in rows:
        assert isinstance(row["rewards/reward_model/mean"], float)
        assert sum(row["statuses"].values()) == 0
    lineage = json.loads((out / "fairclimb-train.json").read_text())
    assert lineage["reward_models"] == ["rm-for-grpo"]


def test_an_uncurated_dataset_trains_only_with_a_recorded_override(base: Path,
                                                                   workdir: Path) -> None:
    """Records pass the record gate, which curates; a suite added afterwards leaves the
    dataset's decontamination report unchecked against it (stale), as for a user."""
    from fairclimb.data import Candidate, Origin, RecordKind, TrainingRecord, admit
    from fairclimb.errors import UserInputError

    records = [TrainingRecord(RecordKind.SFT, Origin.HUMAN, {"messages": [
        {"role": "user", "content": v.prompt}, {"role": "assistant", "content": v.correction}]})
        for v in VOTES[:8]]
    with Store.open(str(workdir / "uncurated.db")) as store:
        admit(store, "uncurated", [Candidate(f"k{i}", record, ())
                                   for i, record in enumerate(records)], source="tests")
        make_suite(store)
        out = workdir / "sft-override"
        with pytest.raises(UserInputError, match="decontamination report of dataset "
                           "uncurated is stale"):
            train(store, TrainerKind.SFT, TrainSource(dataset="uncurated"), options(base, out))
        assert not out.exists() and store.get_model("sft-override") is None
        outcome = train(store, TrainerKind.SFT, TrainSource(dataset="uncurated"),
                        options(base, out, max_steps=1,
                                override_contamination="hand-written, no benchmark overlap"))
        assert outcome.status is RunStatus.FINISHED
        lineage = json.loads((out / "fairclimb-train.json").read_text())
        [override] = lineage["datasets"][0]["overrides"]
        assert override["kind"] == "contamination"
        assert override["reason"] == "hand-written, no benchmark overlap"


def test_grpo_from_a_dataset_rewards_records_that_carry_a_task(workdir: Path) -> None:
    """A dataset's records whose provenance names a task: their prompts, execution's
    reward; the private task's record never reaches the trainer."""
    from fairclimb.data import Candidate, ModelOutput, Origin, RecordKind, TrainingRecord, admit

    with Store.open(str(workdir / "grpo-data.db")) as store:
        make_suite(store)
        records = [TrainingRecord(
            RecordKind.SFT, Origin.SYNTHETIC,
            {"messages": [{"role": "user", "content": f"write {entry}"},
                          {"role": "assistant", "content": f"def {entry}(x): return x"}]},
            {"task": {"suite": "tinyfam", "task_id": f"tinyfam/{entry}", "split": split}})
            for entry, split in (("double", "public"), ("triple", "public"),
                                 ("square", "private"))]
        admit(store, "distilled", [Candidate(f"k{i}", record,
                                             (ModelOutput("teacher-x", "answer"),))
                                   for i, record in enumerate(records)], source="tests")
        base = make_checkpoint(workdir / "tiny-grpo-data", ["write double triple def x"])
        out = workdir / "grpo-from-data"
        outcome = train(store, TrainerKind.GRPO, TrainSource(dataset="distilled"),
                        options(base, out, max_steps=2, batch_size=4, num_generations=4,
                                max_completion_length=6,
                                override_contamination="the records are the test's own"))
        assert outcome.examples == 2
        rows = [row for row in metrics(out) if "loss" in row]
        assert [sum(row["statuses"].values()) for row in rows] == [4, 4]
        lineage = json.loads((out / "fairclimb-train.json").read_text())
        assert {"suite": "tinyfam", "split": "public"} in lineage["suites"]
        assert all(s["split"] != "private" for s in lineage["suites"])


def test_the_base_may_be_a_registered_hf_model(store: Store, base: Path, workdir: Path) -> None:
    from fairclimb.models import ModelSpec

    store.add_model(ModelSpec(name="tiny-registered", base_url="", model_id=str(base),
                              backend="hf"))
    out = workdir / "from-registered"
    outcome = train(store, TrainerKind.SFT, TrainSource(dataset="votes"),
                    TrainOptions(base="tiny-registered", out=out, name="grown", max_steps=1,
                                 device=Device.CPU, batch_size=4))
    assert outcome.name == "grown" and store.get_model("grown") is not None
    lineage = json.loads((out / "fairclimb-train.json").read_text())
    assert lineage["base"]["registered_as"] == "tiny-registered"
    assert lineage["base"]["path"] == str(base.resolve())


@pytest.mark.parametrize(("kind", "dataset", "lr", "named"), [
    (TrainerKind.DPO, "nope", 1e-4, "another trainer, dataset"),
    (TrainerKind.SFT, "sft-data", 5e-4, "another --lr"),
])
def test_a_finished_run_is_nothing_to_do_only_for_the_same_training(
        store: Store, tmp_path: Path, kind: TrainerKind, dataset: str, lr: float,
        named: str) -> None:
    from fairclimb.errors import UserInputError
    from fairclimb.train._lineage import LINEAGE_FILE
    from fairclimb.train._run import RUN_FILE

    out = (tmp_path / "sft").resolve()
    out.mkdir()
    first = TrainOptions(base="tiny", out=out, lr=1e-4)
    (out / RUN_FILE).write_text(json.dumps({
        "trainer": "sft", "source": {"dataset": "sft-data", "suites": []},
        "described": "dataset sft-data", "options": first.hyperparameters()}))
    (out / LINEAGE_FILE).write_text("{}")
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(UserInputError, match=f"holds a finished sft run .* {named}"):
        train(store, kind, TrainSource(dataset=dataset),
              TrainOptions(base="tiny", out=out, lr=lr))
    assert sorted(p.name for p in out.iterdir()) == before
