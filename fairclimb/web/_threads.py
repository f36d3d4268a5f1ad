"""The few worker threads that run the hot path's database calls: the session check of
every POST (BodyLimits) and the vote's write.

They are blocking calls (the store is synchronous) and must not stop the event loop, so
they run in threads; but how many threads matters more than it seems. Under load,
Starlette's default pool (anyio, up to 40 threads) had one thread per request in flight,
and their GIL hand-offs and wake-ups cost more CPU than the vote itself: measured in one
process on PostgreSQL, with 10 votes in flight, the whole app took 3.6 ms of CPU per vote
with anyio's pool against 1.5-1.7 ms with 2-4 threads of its own (1 thread: 1.8 ms,
8 threads: 2.8 ms). A pool of its own also keeps the votes apart from slow pages (a
leaderboard computed in the default pool cannot hold up a vote's thread).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["HOT_PATH_THREADS", "HotPath"]

HOT_PATH_THREADS = 4  # per server process; more votes in flight wait in the queue
_P = ParamSpec("_P")
_T = TypeVar("_T")


class HotPath:
    """A small thread pool for blocking calls on the vote path."""

    def __init__(self, threads: int = HOT_PATH_THREADS) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="fairclimb-hot")

    async def run(self, call: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """``call(*args, **kwargs)`` in one of the pool's threads."""
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, functools.partial(call, *args, **kwargs))

    def close(self) -> None:
        self._pool.shutdown(wait=False)
