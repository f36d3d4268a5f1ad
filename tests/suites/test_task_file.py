"""Your own tasks: the tasks file reader and the one tasks selection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fairclimb.errors import UserInputError
from fairclimb.suites import (
    Language,
    Selection,
    Split,
    TaskKind,
    get_suite,
    read_tasks,
    select_tasks,
)

TESTS = "def check(candidate):\n    assert candidate(2) == 4\n"


def write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_every_field_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "t.jsonl", [
        {"id": "mine/0", "prompt": "Write double(x).", "tests": TESTS, "entry_point": "double",
         "reference": "def double(x):\n    return 2 * x\n", "language": "python",
         "kind": "implement", "split": "private", "licence": "MIT"},
        {"prompt": "Make a page with a red button.", "kind": "webdev", "language": "html"},
    ])
    suite = read_tasks(path, "mine")
    first, second = suite.tasks
    assert (first.task_id, first.suite, first.entry_point, first.split, first.licence) == (
        "mine/0", "mine", "double", Split.PRIVATE, "MIT")
    assert first.reference_program == "def double(x):\n    return 2 * x\n"
    assert (second.kind, second.language) == (TaskKind.WEBDEV, Language.HTML)
    assert second.task_id.startswith("prompt/")
    assert read_tasks(path, "mine", split=Split.PRIVATE).tasks[1].split is Split.PRIVATE


@pytest.mark.parametrize(("row", "message"), [
    ({"prompt": "x", "kind": "poem"}, "t.jsonl:1: \"kind\" must be one of implement"),
    ({"prompt": "x", "language": "cobol"}, "\"language\" must be one of python"),
    ({"prompt": "x", "split": "secret"}, "\"split\" must be one of public, private"),
    ({"prompt": "x", "reference": "def f(): pass"}, "has a \"reference\" but no \"tests\""),
    ({"prompt": "x", "tests": TESTS}, "has \"tests\" but no \"entry_point\""),
    ({"prompt": "x", "entry_point": 3}, "must be strings"),
])
def test_a_bad_line_is_one_sentence_naming_it(tmp_path: Path, row: dict[str, object],
                                              message: str) -> None:
    with pytest.raises(UserInputError) as caught:
        read_tasks(write(tmp_path / "t.jsonl", [row]), "mine")
    assert message in str(caught.value)


HUMANEVAL = get_suite("humaneval")


@pytest.mark.parametrize(("selection", "expected"), [
    (Selection(), [t.task_id for t in HUMANEVAL.tasks]),
    (Selection(limit=3), ["HumanEval/0", "HumanEval/1", "HumanEval/2"]),
    (Selection(task_ids=("HumanEval/7", "HumanEval/2")), ["HumanEval/2", "HumanEval/7"]),
    (Selection(limit=1, task_ids=("HumanEval/7", "HumanEval/2")), ["HumanEval/2"]),
    (Selection(split=Split.PUBLIC, limit=2), ["HumanEval/0", "HumanEval/1"]),
])
def test_selection_keeps_the_suites_order(selection: Selection, expected: list[str]) -> None:
    chosen = select_tasks(HUMANEVAL, selection)
    assert [t.task_id for t in chosen.tasks] == expected
    assert chosen.name == "humaneval" and all(chosen.get(i) for i in expected)


@pytest.mark.parametrize(("selection", "message"), [
    (Selection(task_ids=("HumanEval/999",)), "has no task 'HumanEval/999'"),
    (Selection(split=Split.PRIVATE), "no task of suite 'humaneval' is in the private split"),
    (Selection(limit=0), "--limit must be at least 1"),
])
def test_a_selection_that_names_nothing_is_refused(selection: Selection, message: str) -> None:
    with pytest.raises(UserInputError) as caught:
        select_tasks(HUMANEVAL, selection)
    assert message in str(caught.value)
