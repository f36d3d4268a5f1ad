"""SFT's loss covers the answer only (TRL's prompt-completion rows, completion-only
loss): the prompt's tokens are masked, and the answer ends with end-of-sequence, so a
trained model answers and stops. On a tiny random GPT-2, nothing downloaded."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from trainer_fixtures import WORDS, make_checkpoint

from fairclimb.data import Candidate, Origin, RecordKind, TrainingRecord, admit
from fairclimb.errors import UserInputError
from fairclimb.models import CompletionRequest, Device, GenerationParams, Message, open_backend
from fairclimb.store import Store
from fairclimb.train import RunStatus, TrainerKind, TrainOptions, TrainSource, train

pytest.importorskip("trl", reason="the train extra is not installed")
pytestmark = pytest.mark.slow  # trains a tiny model for a few seconds

ANSWER = "olive mango"  # the same answer after every random prompt


def prompts(count: int, seed: int = 0) -> list[str]:
    """Prompts of six words drawn at random: no model can predict them."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(6)) for _ in range(count)]


def add_records(store: Store, dataset: str, conversations: list[list[dict[str, str]]]) -> None:
    records = [TrainingRecord(RecordKind.SFT, Origin.HUMAN, {"messages": messages})
               for messages in conversations]
    admit(store, dataset, [Candidate(f"{dataset}-{i}", record, ())
                           for i, record in enumerate(records)], source="test_sft_loss")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sft-loss")


@pytest.fixture(scope="module")
def store(workdir: Path) -> Iterator[Store]:
    with Store.open(str(workdir / "fairclimb.db")) as opened:
        add_records(opened, "fixed-answer", [
            [{"role": "system", "content": "answer"}, {"role": "user", "content": prompt},
             {"role": "assistant", "content": ANSWER}] for prompt in prompts(64)])
        yield opened


@pytest.fixture(scope="module")
def base(workdir: Path) -> Path:
    return make_checkpoint(workdir / "tiny-base", [*prompts(64), ANSWER, "answer"])


def options(base: Path, out: Path, **changes: Any) -> TrainOptions:
    values: dict[str, Any] = {"max_steps": 40, "lr": 1e-2, "batch_size": 8, "seed": 0,
                              "device": Device.CPU, "save_steps": 40, "logging_steps": 5}
    values.update(changes)
    return TrainOptions(base=str(base), out=out, **values)


def losses(out: Path) -> list[float]:
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [float(row["loss"]) for row in rows if "loss" in row]


def test_the_prompt_is_masked_from_the_loss_and_the_answer_ends(store: Store, base: Path,
                                                                 workdir: Path) -> None:
    """The answer is fixed and the prompts random: a loss over the answer alone falls
    to near 0, while one that also covered the prompt's six random words could not
    fall below about 6 * ln(26) / 11 tokens, i.e. 1.7 nats a token."""
    out = workdir / "sft-fixed"
    outcome = train(store, TrainerKind.SFT, TrainSource(dataset="fixed-answer"),
                    options(base, out))
    assert outcome.status is RunStatus.FINISHED
    curve = losses(out)
    assert curve[-1] < 0.3, curve
    spec = store.get_model(outcome.name)
    assert spec is not None

    async def ask() -> str:
        backend = open_backend(spec, environ={})
        try:
            reply = await backend.complete(CompletionRequest(
                GenerationParams(temperature=0.0, max_tokens=12),
                messages=(Message("system", "answer"),
                          Message("user", "kilo lima apple rose sage echo"))))
            return reply.text
        finally:
            await backend.aclose()

    # The answer and nothing after it: end-of-sequence was trained, not the 12-token cap.
    assert asyncio.run(ask()).strip() == ANSWER


def test_a_record_without_an_answer_is_refused_before_anything_is_written(
        store: Store, base: Path, workdir: Path) -> None:
    add_records(store, "no-answer", [[{"role": "user", "content": "apple banana"},
                                      {"role": "user", "content": "cherry"}]])
    out = workdir / "sft-no-answer"
    with pytest.raises(UserInputError, match="without an assistant answer"):
        train(store, TrainerKind.SFT, TrainSource(dataset="no-answer"), options(base, out))
    assert not out.exists() and store.get_model("sft-no-answer") is None
