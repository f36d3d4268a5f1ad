"""A time limit on trusted work in the main thread (SIGALRM).

The trusted side bounds what it does with what a sample sent: running the tests on its
answers, reading and decoding them, comparing them. The pool's watchdog covers what an
alarm cannot interrupt (C code that never returns to the interpreter).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["TimeLimitReached", "time_limit"]


class TimeLimitReached(BaseException):
    """Raised by :func:`time_limit` in the main thread when its time is up. A
    BaseException, so that ``except Exception`` in trusted tests cannot swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Bound trusted work on what a sample sent: the tests (a hostile answer could make a
    helper such as ``poly`` crawl), reading and decoding answers, comparing them. Only
    in the main thread, where signals arrive; the pool's watchdog covers the rest."""
    if sys.platform != "linux" or not _in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeLimitReached()


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
