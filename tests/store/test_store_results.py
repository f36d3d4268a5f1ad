"""Results: batch insert in one transaction, idempotent per (run, sample index)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairclimb.errors import StoreError
from fairclimb.store import NewRun, ResultRow, Store


def test_batch_is_stored_in_sample_order(
    store: Store, make_run: Callable[..., NewRun], make_result: Callable[..., ResultRow]
) -> None:
    run_id = store.create_run(make_run())
    rows = [make_result(i) for i in (4, 0, 3, 1, 2)]
    store.add_results(run_id, rows)

    assert store.results(run_id) == sorted(rows, key=lambda row: row.sample_index)
    assert store.result_indices(run_id) == {0, 1, 2, 3, 4}


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ([0, 1, 2], [0, 1, 2], [0, 1, 2]),  # the same batch again
        ([0, 1], [1, 2, 3], [0, 1, 2, 3]),  # overlapping
        ([], [5, 5, 6], [5, 6]),  # repeated inside one batch
        ([0], [], [0]),  # empty batch
    ],
)
def test_add_results_is_idempotent(
    store: Store,
    make_run: Callable[..., NewRun],
    make_result: Callable[..., ResultRow],
    first: list[int],
    second: list[int],
    expected: list[int],
) -> None:
    run_id = store.create_run(make_run())
    store.add_results(run_id, [make_result(i) for i in first])
    store.add_results(run_id, [make_result(i, status="failed", passed=False) for i in second])

    stored = store.results(run_id)
    assert [row.sample_index for row in stored] == expected
    # What was stored first stays; a repeat never overwrites it.
    for row in stored:
        assert row.passed == (row.sample_index in first)


def test_first_of_repeated_indices_in_a_batch_wins(
    store: Store, make_run: Callable[..., NewRun], make_result: Callable[..., ResultRow]
) -> None:
    run_id = store.create_run(make_run())
    store.add_results(run_id, [make_result(7, detail="first"), make_result(7, detail="second")])
    assert [row.detail for row in store.results(run_id)] == ["first"]


def test_results_are_per_run(
    store: Store, make_run: Callable[..., NewRun], make_result: Callable[..., ResultRow]
) -> None:
    one, two = store.create_run(make_run()), store.create_run(make_run())
    store.add_results(one, [make_result(0), make_result(1)])
    store.add_results(two, [make_result(0, task_id="other")])

    assert store.result_indices(one) == {0, 1}
    assert [row.task_id for row in store.results(two)] == ["other"]
    assert store.results("0" * 32) == []
    assert store.result_indices("0" * 32) == set()


def test_enum_status_is_stored_as_its_value(
    store: Store, make_run: Callable[..., NewRun], make_result: Callable[..., ResultRow]
) -> None:
    class Status(StrEnum):
        TIMEOUT = "timeout"

    run_id = store.create_run(make_run())
    store.add_results(run_id, [make_result(0, status=Status.TIMEOUT, passed=False)])
    (row,) = store.results(run_id)
    assert row.status == "timeout"
    assert type(row.status) is str


def test_unknown_run_is_refused(store: Store, make_result: Callable[..., ResultRow]) -> None:
    with pytest.raises(StoreError, match="check that the run exists"):
        store.add_results("0" * 32, [make_result(0)])


def test_a_batch_is_all_or_nothing(
    store: Store, make_run: Callable[..., NewRun], make_result: Callable[..., ResultRow]
) -> None:
    run_id = store.create_run(make_run())
    store.add_results(run_id, [make_result(0)])
    broken = make_result(3, task_id=None)  # NOT NULL fails after rows 1 and 2 went in
    with pytest.raises(StoreError):
        store.add_results(run_id, [make_result(1), make_result(2), broken])
    assert store.result_indices(run_id) == {0}


def test_threads_writing_to_one_file(
    tmp_path: Path, make_run: Callable[..., NewRun], make_result: Callable[..., ResultRow]
) -> None:
    with Store.open(str(tmp_path / "x.db")) as store:
        run_id = store.create_run(make_run())
        errors: list[BaseException] = []

        def write(worker: int) -> None:
            try:
                for start in range(0, 200, 10):
                    # Every worker writes every index: duplicates race on purpose.
                    batch = [make_result(i, detail=str(worker)) for i in range(start, start + 10)]
                    store.add_results(run_id, batch)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        assert [row.sample_index for row in store.results(run_id)] == list(range(200))


# The factories are stateless, so sharing them across examples is safe.
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=30), max_size=12), max_size=6))
def test_stored_indices_are_the_union_of_batches(
    make_run: Callable[..., NewRun],
    make_result: Callable[..., ResultRow],
    batches: list[list[int]],
) -> None:
    with Store.open("sqlite://") as store:
        run_id = store.create_run(make_run())
        for batch in batches:
            store.add_results(run_id, [make_result(i) for i in batch])
        expected = {i for batch in batches for i in batch}
        assert store.result_indices(run_id) == expected
        assert [row.sample_index for row in store.results(run_id)] == sorted(expected)
