"""The store as a sink of the run engine, and the way results are read back from it.

A result is stored whole (every field of :class:`Result`), so a run resumed from the
store alone (its ``--out`` deleted, say) writes the same ``results.jsonl`` lines.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from types import TracebackType

from fairclimb.evaluate._records import Result, Sample, Status, Verdict
from fairclimb.store import ResultRow, Store

__all__ = ["StoreSink", "stored_results"]

_STORE_BATCH = 500
_STORE_EVERY_S = 0.5


class StoreSink:
    """Writes results to the store in batches, so the store never lags far behind; what
    is pending is written when the sink closes, even on Ctrl-C."""

    def __init__(self, store: Store, run_id: str) -> None:
        self._store = store
        self._run_id = run_id
        self._pending: list[ResultRow] = []
        self._last = time.monotonic()

    def __enter__(self) -> StoreSink:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.flush()

    def add(self, sample: Sample, result: Result) -> None:
        self._pending.append(_row_of(result))
        now = time.monotonic()
        if len(self._pending) >= _STORE_BATCH or now - self._last >= _STORE_EVERY_S:
            self.flush()

    def add_all(self, results: Iterable[tuple[Sample, Result]]) -> None:
        for sample, result in results:
            self.add(sample, result)
        self.flush()

    def flush(self) -> None:
        if self._pending:
            self._store.add_results(self._run_id, self._pending)
            self._pending = []
        self._last = time.monotonic()


def stored_results(store: Store, run_id: str, samples: list[Sample]) -> dict[int, Result]:
    """The run's stored results for *samples*, by sample index (rows that fit no sample,
    which a run matched by its samples' hash cannot have, are ignored)."""
    results: dict[int, Result] = {}
    for row in store.results(run_id):
        index = row.sample_index
        if index < len(samples) and samples[index].task_id == row.task_id:
            results[index] = _result_of(row)
    return results


def _row_of(result: Result) -> ResultRow:
    verdict = result.verdict
    return ResultRow(
        sample_index=result.sample_index, task_id=result.task_id,
        status=verdict.status.value, passed=verdict.passed, detail=verdict.detail,
        program_sha256=result.program_sha256, cpu_s=verdict.cpu_s, wall_s=verdict.wall_s,
        calls=verdict.calls, cost=verdict.cost, cost_measure=verdict.cost_measure,
        speed_score=verdict.speed_score, fix_distance=result.fix_distance,
        schema_version=result.schema_version,
    )


def _result_of(row: ResultRow) -> Result:
    verdict = Verdict(Status(row.status), row.detail, calls=row.calls, cpu_s=row.cpu_s,
                      wall_s=row.wall_s, cost=row.cost, cost_measure=row.cost_measure,
                      speed_score=row.speed_score)
    return Result(row.sample_index, row.task_id, verdict, row.program_sha256,
                  row.fix_distance, row.schema_version)
