"""Built suites in the store: stored whole, replaced whole, listed, found, removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairclimb.store import Store, StoredSuite, SuiteRepository, store_exists


def _suite(name: str, n: int, tag: str = "a") -> StoredSuite:
    return StoredSuite(name=name, description=f"{name} {tag}", origin="fairclimb",
                       build={"seed": 1, "tag": tag},
                       tasks=[{"task_id": f"{name}/t{i}", "prompt": f"p{i} {tag}"}
                              for i in range(n)])


def test_put_get_list_remove(store: Store) -> None:
    suites = SuiteRepository(store)
    suites.put(_suite("b-debug", 3))
    suites.put(_suite("a-debug", 1))
    got = suites.get("b-debug")
    assert got is not None
    assert [t["task_id"] for t in got.tasks] == ["b-debug/t0", "b-debug/t1", "b-debug/t2"]
    assert got.build == {"seed": 1, "tag": "a"} and got.size == 3 and got.built_at is not None
    assert [(s.name, s.size, s.tasks) for s in suites.list()] == [("a-debug", 1, []),
                                                                 ("b-debug", 3, [])]
    assert suites.suite_of_task("b-debug/t2") == "b-debug"
    assert suites.suite_of_task("b-debug/t9") is None
    assert suites.remove("b-debug") is True
    assert suites.remove("b-debug") is False
    assert suites.get("b-debug") is None and suites.suite_of_task("b-debug/t0") is None


def test_a_new_build_replaces_the_old_one_whole(store: Store) -> None:
    suites = SuiteRepository(store)
    suites.put(_suite("x", 3, "old"))
    suites.put(_suite("x", 2, "new"))
    got = suites.get("x")
    assert got is not None
    assert [t["prompt"] for t in got.tasks] == ["p0 new", "p1 new"]


def test_a_failed_put_leaves_the_old_build(store: Store) -> None:
    suites = SuiteRepository(store)
    suites.put(_suite("x", 2, "old"))
    broken = _suite("x", 2, "new")
    broken.tasks.append({"task_id": "x/t0", "prompt": object()})  # not JSON: fails late
    with pytest.raises(Exception):  # noqa: B017  (any failure: the point is what stays)
        suites.put(broken)
    got = suites.get("x")
    assert got is not None and [t["prompt"] for t in got.tasks] == ["p0 old", "p1 old"]


def test_store_exists_does_not_create_a_database(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    assert store_exists(str(path)) is False
    assert not path.exists()
    assert store_exists("sqlite://") is True
    with Store.open(str(path)):
        pass
    assert store_exists(str(path)) is True
