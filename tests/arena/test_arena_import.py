"""Answers into the arena: the generation cache shown as the task and its code (one
model, suite or run at a time), and answers from a JSONL file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from arena_generations import TASKS, fill_cache, stored_answers

from fairclimb.arena import Arena, GenerationFilter, read_samples_file
from fairclimb.errors import UserInputError
from fairclimb.store import Store


def test_generations_are_shown_as_the_task_and_its_code(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "g.db")) as store:
        fill_cache(store)
        done = Arena(store).import_generations(GenerationFilter(suite="humaneval"))
        assert (done.added, done.matched, done.unmatched) == (4, 4, 1)
        rows = stored_answers(store)
    assert {r[3] for r in rows} == {t.task_id for t in TASKS}
    for model, prompt, answer, task_id in rows:
        task = next(t for t in TASKS if t.task_id == task_id)
        assert prompt == task.prompt  # not our chat instruction
        assert "Sure!" not in answer and "```" not in answer  # the code, not the reply
        assert f"def {task.entry_point}(" in answer and f"# {model}" in answer


@pytest.mark.parametrize(("chosen", "models"), [
    (GenerationFilter(model="m2", suite="humaneval"), {"m2"}),
    (GenerationFilter(model="nobody", suite="humaneval"), set()),
])
def test_import_generations_of_one_model(tmp_path: Path, chosen: GenerationFilter,
                                         models: set[str]) -> None:
    with Store.open(str(tmp_path / "g.db")) as store:
        fill_cache(store)
        Arena(store).import_generations(chosen)
        assert {r[0] for r in stored_answers(store)} == models


def test_import_generations_of_one_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    with Store.open(str(tmp_path / "g.db")) as store:
        keys = fill_cache(store)
        (run / "samples.jsonl").write_text("".join(
            json.dumps({"task_id": "x", "provenance": {"cache_key": key}}) + "\n"
            for key in keys["m1"][:1]))
        done = Arena(store).import_generations(GenerationFilter(suite="humaneval", run=run))
        assert done.added == 1
        assert [r[0] for r in stored_answers(store)] == ["m1"]


def test_a_run_that_is_not_a_generation_directory(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "g.db")) as store, pytest.raises(UserInputError,
                                                                    match="--run"):
        Arena(store).import_generations(GenerationFilter(run=tmp_path / "missing"))


@pytest.mark.parametrize(("content", "message"), [
    ('{"model": "m", "prompt": "p", "answer": "a"}\n{oops\n', "line 2 is not valid JSON"),
    ('{"model": "m", "prompt": "p"}\n', "'answer' is missing"),
    ('{"model": "m", "prompt": "p", "answer": "a", "passed": "yes"}\n', "'passed' must be"),
    ("[1]\n", "expected an object"),
    ("\n", "holds no answers"),
])
def test_a_bad_samples_file_names_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(content)
    with pytest.raises(UserInputError, match=message):
        read_samples_file(path)
