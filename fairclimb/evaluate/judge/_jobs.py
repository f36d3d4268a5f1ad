"""What a checker pool is given to check: jobs, as a list or from a queue another thread
fills while the pool runs."""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Job", "JobQueue"]


@dataclass(frozen=True, slots=True)
class Job:
    key: int
    task_id: str
    program: str


class JobQueue:
    """Jobs handed over from another thread while a :class:`Pool` runs.

    A pipe wakes the pool's wait as soon as jobs arrive, so checking starts with the
    first job rather than after the last.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: deque[Job] = deque()
        self._closed = False
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)

    def put(self, jobs: Iterable[Job]) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("put() on a closed JobQueue")
            self._jobs.extend(jobs)
        self._wake()

    def _wake(self) -> None:
        os.write(self._write, b"j")

    def close(self) -> None:
        """No more jobs will come; the pool finishes what it has and returns."""
        with self._lock:
            self._closed = True
        os.write(self._write, b"c")

    def fileno(self) -> int:
        return self._read

    def take(self) -> list[Job]:
        with contextlib.suppress(BlockingIOError):
            os.read(self._read, 4096)
        with self._lock:
            jobs = list(self._jobs)
            self._jobs.clear()
            return jobs

    @property
    def finished(self) -> bool:
        with self._lock:
            return self._closed and not self._jobs

    def dispose(self) -> None:
        os.close(self._read)
        os.close(self._write)
