"""The bundled fairclimb suites: every task loads, with ids, dates and splits as stated."""

from __future__ import annotations

import datetime

import pytest

from fairclimb.suites import Language, Split, TaskKind, describe_suites, get_suite


@pytest.mark.parametrize("name", ["fairclimb-implement", "fairclimb-webdev"])
def test_every_task_loads_with_a_unique_id_and_a_creation_date(name: str) -> None:
    suite = get_suite(name)
    ids = [task.task_id for task in suite.tasks]
    assert len(ids) == len(set(ids))
    for task in suite.tasks:
        assert task.task_id.startswith(f"{name}/") and task.suite == name
        assert task.origin == "fairclimb" and task.licence == "Apache-2.0"
        created = datetime.date.fromisoformat(task.created)
        assert datetime.date(2026, 1, 1) <= created <= datetime.date(2026, 12, 31)
        assert task.prompt.strip()


def test_implement_tasks_are_python_with_tests_and_both_splits() -> None:
    tasks = [t for t in get_suite("fairclimb-implement").tasks
             if t.task_id.startswith("fairclimb-implement/a-")]
    assert len(tasks) == 35
    splits = [t.split for t in tasks]
    assert splits.count(Split.PUBLIC) == 25 and splits.count(Split.PRIVATE) == 10
    for task in tasks:
        assert task.kind is TaskKind.IMPLEMENT and task.language is Language.PYTHON
        assert f"def {task.entry_point}(" in task.prompt
        assert "def check(candidate):" in task.tests
        assert task.tests.count("assert ") >= 10, task.task_id
        compile(task.reference_program, task.task_id, "exec")


def test_webdev_prompts_are_self_contained_pages_without_tests() -> None:
    tasks = get_suite("fairclimb-webdev").tasks
    assert len(tasks) >= 20
    for task in tasks:
        assert task.kind is TaskKind.WEBDEV and task.language is Language.HTML
        assert task.entry_point == "index.html"
        assert task.reference == "" and task.tests == ""
        assert "no CDN" in task.prompt and "one self-contained HTML file" in task.prompt


def test_suites_listing_shows_the_private_split() -> None:
    rows = {row.name: row.to_json() for row in describe_suites()}
    implement = rows["fairclimb-implement"]
    assert implement["splits"] == ["private", "public"]
    assert implement["origin"] == "fairclimb" and implement["kinds"] == ["implement"]
    assert rows["fairclimb-webdev"]["languages"] == ["html"]
    assert rows["fairclimb-webdev"]["kinds"] == ["webdev"]
