"""User ids for samples that never repeat while the host runs.

Each sample runs as a uid no earlier sample had, on this boot of the host: whatever
the kernel keys by uid (process limits, keyrings, file ownership) cannot pass from one
sample to another, nor from one run to the next. Sandboxes reserve blocks of uids from
one counter file, under an exclusive lock, so concurrent runs never share one. The
counter starts again after a reboot (the file records the boot), when no kernel state
of an earlier sample is left.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from fairclimb.errors import SandboxError

__all__ = ["COUNTER_FILE", "FIRST_UID", "UidSource"]

# Above any uid a distribution or a directory service hands out, below 2**31 (where
# some tools read uids as signed), so about two billion samples per boot.
FIRST_UID = 1 << 24
_END_UID = (1 << 31) - 1
_BLOCK = 1024
COUNTER_FILE = Path("/var/lib/fairclimb/sandbox-uids")
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


class UidSource:
    """Hands out fresh uids, reserving them from *counter* a block at a time."""

    def __init__(self, counter: Path = COUNTER_FILE) -> None:
        self.counter = counter
        self._next = 0
        self._end = 0

    def take(self) -> int:
        if self._next >= self._end:
            self._next, self._end = _reserve(self.counter, _BLOCK)
        uid = self._next
        self._next += 1
        return uid


def _boot() -> str:
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return "unknown"


def _reserve(counter: Path, count: int) -> tuple[int, int]:
    """Reserve *count* uids: the first one and the end of the block."""
    try:
        counter.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(counter, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise SandboxError(f"cannot reserve user ids for samples in {counter}: {exc}; "
                           "make its directory writable for the user running fairclimb"
                           ) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        boot = _boot()
        first = _parse(os.read(fd, 256).decode(errors="replace"), boot)
        if first + count > _END_UID:
            raise SandboxError(f"every user id for samples has been used since the host "
                               f"started (see {counter}); reboot, or remove that file if no "
                               "sandbox is running")
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, f"{boot} {first + count}\n".encode())
        return first, first + count
    finally:
        os.close(fd)


def _parse(text: str, boot: str) -> int:
    """The next free uid recorded in the counter file, for this boot."""
    parts = text.split()
    if len(parts) != 2 or parts[0] != boot or not parts[1].isdigit():
        return FIRST_UID
    return max(FIRST_UID, int(parts[1]))
