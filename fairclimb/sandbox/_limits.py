"""Resource limits of one sample."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Limits"]

_MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """What one sample may use. The wall clock covers loading the program and all calls."""

    wall_s: float = 5.0
    memory_bytes: int = 1024 * _MIB
    processes: int = 32
    file_bytes: int = 16 * _MIB
    output_bytes: int = 1 * _MIB  # no longer a limit: output is drained, its tail kept
    open_files: int = 64
    frame_bytes: int = 64 * _MIB
    # The sample's own directory, a tmpfs where the zygote can mount one: host memory a
    # sample can fill with files, in bytes and in files (each costs kernel memory).
    disk_bytes: int = 64 * _MIB
    disk_files: int = 4096

    def __post_init__(self) -> None:
        if self.wall_s <= 0:
            raise ValueError("wall_s must be positive")
        if self.memory_bytes < 32 * _MIB:
            raise ValueError("memory_bytes must be at least 32 MiB")
        if self.disk_bytes < _MIB or self.disk_files < 16:
            raise ValueError("disk_bytes must be at least 1 MiB and disk_files at least 16")

    def for_zygote(self, uid: int | None) -> dict[str, Any]:
        """The limits as the zygote reads them."""
        return {
            "cpu_s": self.wall_s + 1,
            # The zygote's own deadline is a safety net behind the worker's.
            "hard_wall_s": self.wall_s + 5,
            "memory_bytes": self.memory_bytes,
            "processes": self.processes,
            "file_bytes": self.file_bytes,
            "open_files": self.open_files,
            "disk_bytes": self.disk_bytes,
            "disk_files": self.disk_files,
            "uid": uid,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
