"""The executor a command runs its heavy work on, as chosen by the user."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fairclimb.errors import UserInputError

__all__ = ["Executor", "ExecutorChoice"]


class Executor(StrEnum):
    LOCAL = "local"  # this machine's cores
    RAY = "ray"  # the nodes of a Ray cluster


@dataclass(frozen=True, slots=True)
class ExecutorChoice:
    """The executor and, for Ray, the cluster's address (``HOST:PORT``, as ``ray start
    --head`` prints it; None: the cluster ``RAY_ADDRESS`` names, else a Ray started on
    this machine) and the checkers each node runs (``--workers`` with Ray; None: one
    per CPU Ray sees on the node)."""

    kind: Executor = Executor.LOCAL
    ray_address: str | None = None
    workers: int | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise UserInputError("--workers must be at least 1")
        if self.ray_address is not None and self.kind is not Executor.RAY:
            raise UserInputError("--ray-address is for --executor ray; add --executor ray "
                                 "or leave the address out")
        if self.ray_address is not None:
            host, _, port = self.ray_address.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise UserInputError(f"--ray-address takes HOST:PORT (the address `ray start "
                                     f"--head` prints), not {self.ray_address!r}")

    @property
    def remote(self) -> bool:
        return self.kind is Executor.RAY
