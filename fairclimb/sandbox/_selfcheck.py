"""The threat battery: which containment guarantees hold on this machine, per backend.

Each guarantee is checked by running a small hostile program in a real sandbox, the way
the tests in ``tests/sandbox/`` do. A guarantee the backend does not claim here (the
rlimits backend has no network isolation; a zygote without CAP_SYS_ADMIN cannot give a
sample its own IPC namespace) is reported as "not contained", not run; one it claims
but that fails is "broken".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from fairclimb.errors import SandboxError
from fairclimb.sandbox import _selfcheck_probes as probes
from fairclimb.sandbox._backend import REGISTRY, bubblewrap_works, select_backend
from fairclimb.sandbox._limits import Limits
from fairclimb.sandbox._sandbox import Sandbox

__all__ = ["GuaranteeResult", "Outcome", "SelfCheck", "self_check"]

_LIMITS = Limits(wall_s=1.0, memory_bytes=256 << 20, disk_bytes=8 << 20, disk_files=256)


class Outcome(StrEnum):
    HOLDS = "holds"
    BROKEN = "broken"  # the backend claims it here, and it failed
    NOT_CONTAINED = "not contained"  # the backend does not claim it on this machine


@dataclass(frozen=True, slots=True)
class GuaranteeResult:
    backend: str
    guarantee: str
    outcome: Outcome
    detail: str


@dataclass(frozen=True, slots=True)
class SelfCheck:
    results: tuple[GuaranteeResult, ...]

    @property
    def all_hold(self) -> bool:
        return all(result.outcome is Outcome.HOLDS for result in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {"all_hold": self.all_hold,
                "results": [{**asdict(r), "outcome": r.outcome.value} for r in self.results]}


Probe = Callable[[Sandbox], str | None]  # None: it holds; else what went wrong


def self_check(backend: str = "auto") -> SelfCheck:
    """Run the battery on *backend* (``auto``, ``bwrap``, ``rlimits``, a plugin's, or
    ``all``: every registered backend that can run here)."""
    if backend == "all":
        names = [name for name in REGISTRY.names() if name != "bwrap" or bubblewrap_works()]
    else:
        names = [select_backend(backend).name]
    results: list[GuaranteeResult] = []
    for name in names:
        results += _check_backend(name)
    return SelfCheck(tuple(results))


def _check_backend(name: str) -> list[GuaranteeResult]:
    results = []
    with Sandbox(select_backend(name), _LIMITS) as sandbox:
        for guarantee, needs, probe in _PROBES:
            if needs is not None and not _claimed(sandbox, needs):
                results.append(GuaranteeResult(name, guarantee, Outcome.NOT_CONTAINED,
                                               f"this backend has no {needs} here"))
                continue
            try:
                problem = probe(sandbox)
            except (OSError, SandboxError, AssertionError) as exc:
                problem = f"the probe failed: {exc}"
            outcome = Outcome.HOLDS if problem is None else Outcome.BROKEN
            results.append(GuaranteeResult(name, guarantee, outcome, problem or ""))
    return results


def _claimed(sandbox: Sandbox, what: str) -> bool:
    for source in (sandbox.backend.isolation, sandbox.confinement):
        if hasattr(source, what):
            return bool(getattr(source, what))
    raise AssertionError(f"unknown guarantee requirement {what!r}")


_PROBES: Sequence[tuple[str, str | None, Probe]] = (
    ("wall clock enforced", None, probes.wall_clock),
    ("memory limit enforced", None, probes.memory),
    ("environment scrubbed", None, probes.environment),
    ("output drained, a bounded tail kept", None, probes.output),
    ("files gone before the next sample", None, probes.files),
    ("leftover processes killed", None, probes.leftovers),
    ("a deep directory chain cannot kill the zygote", None, probes.deep_chain),
    ("a lost zygote's report gives no cost", None, probes.lost_zygote),
    ("no network, loopback included", "network", probes.network),
    ("fairclimb and installed packages unreadable", "filesystem", probes.host_files),
    ("kernel keyrings refused", "seccomp", probes.keyrings),
    ("IPC objects die with the sample", "private_ipc", probes.ipc),
    ("IPC memory bounded", "private_ipc", probes.ipc_memory),
    ("a uid of its own per sample, never repeated", "separate_uid", probes.uids),
    ("work directory bounded in bytes and files", "bounded_directory", probes.directory_bound),
)
