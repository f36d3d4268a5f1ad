"""Backends: how the zygote process is started, and what isolation that gives.

A backend only builds the command line of the zygote; the zygote itself applies the
per-sample limits (rlimits, uid, no-new-privileges) the same way under every backend.
"""

from __future__ import annotations

import functools
import glob
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

from fairclimb.errors import PluginError, SandboxError, UserInputError
from fairclimb.plugins import SANDBOX_BACKENDS, Registry

__all__ = [
    "REGISTRY",
    "Backend",
    "BubblewrapBackend",
    "Isolation",
    "RlimitsBackend",
    "bubblewrap",
    "select_backend",
]

log = logging.getLogger(__name__)

_SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Where installed packages live under the system directories (fairclimb itself and its
# suites' data, when pip-installed outside a virtual environment): hidden from samples.
_SYSTEM_PACKAGES = ("/usr/lib/python3*/*-packages", "/usr/local/lib/python3*/*-packages",
                    "/usr/lib64/python3*/*-packages", "/usr/local/lib64/python3*/*-packages")


@dataclass(frozen=True, slots=True)
class Isolation:
    """What a backend contains beyond the limits every backend applies."""

    network: bool
    filesystem: bool
    processes: bool  # own pid namespace: the sample cannot see or signal the host
    separate_uid: bool  # samples run as an unprivileged uid of their own

    def missing(self) -> list[str]:
        names = {
            "network": "network isolation",
            "filesystem": "filesystem isolation",
            "processes": "process isolation",
            "separate_uid": "a separate user id",
        }
        return [label for field, label in names.items() if not getattr(self, field)]


class Backend(Protocol):
    name: str
    separate_uid: bool  # samples run as unprivileged uids of their own, one per sample

    @property
    def isolation(self) -> Isolation: ...

    @property
    def warning(self) -> str | None:
        """One line for the user when this backend contains less than bubblewrap."""
        ...

    def command(self, python: str, source: str,
                extra: Sequence[str] = ()) -> tuple[list[str], str | None]:
        """The zygote's command line and a host directory to remove afterwards.

        *extra* are directories samples must be able to read and execute from (a Node.js
        installation outside the system directories, say).
        """
        ...


def _python() -> str:
    # The base interpreter, not a venv's: the sandbox gets the standard library only.
    base = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(base)


def _zygote_args(python: str, source: str, base_dir: str, separate_uid: bool) -> list[str]:
    return [python, "-I", "-S", "-c", source, base_dir, "1" if separate_uid else "0"]


class BubblewrapBackend:
    """Namespaces (net, pid, ipc, uts), a read-only view of the system, a private /tmp."""

    name = "bwrap"

    def __init__(self, executable: str = "bwrap") -> None:
        self.executable = executable
        # Switching to other uids needs root; without it bwrap maps the user's own.
        self.separate_uid = os.geteuid() == 0

    @property
    def isolation(self) -> Isolation:
        return Isolation(network=True, filesystem=True, processes=True,
                         separate_uid=self.separate_uid)

    @property
    def warning(self) -> str | None:
        return None

    def command(self, python: str, source: str,
                extra: Sequence[str] = ()) -> tuple[list[str], str | None]:
        args = [
            self.executable, "--die-with-parent", "--new-session",
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox",
        ]
        if os.geteuid() != 0:
            args.append("--unshare-user")
        args += _view_of_system(python, extra)
        args += ["--dev", "/dev", "--proc", "/proc", "--perms", "0711", "--tmpfs", "/tmp",
                 "--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
                 "--setenv", "LANG", "C.UTF-8", "--chdir", "/tmp"]
        if self.separate_uid:
            # The zygote keeps just what it needs to drop to the sample's uid, prepare
            # its directory (a tmpfs of its own), give it its own IPC namespace and clean
            # up afterwards; samples get none of these.
            for cap in ("SETUID", "SETGID", "CHOWN", "DAC_OVERRIDE", "FOWNER", "SYS_ADMIN"):
                args += ["--cap-add", f"CAP_{cap}"]
        args += ["--", *_zygote_args(python, source, "/tmp", self.separate_uid)]
        return args, None


def _view_of_system(python: str, more: Sequence[str] = ()) -> list[str]:
    """Read-only binds of the system directories and the interpreter's standard library,
    with every installed-packages directory in them hidden; nothing else."""
    args: list[str] = []
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    extra = {*_interpreter_files(python), *more}
    made: set[str] = set()
    for path in sorted(extra):
        if _under_system_dirs(path):
            continue
        # bwrap would create the parents (say /root) with a mode the sample's uid
        # cannot traverse; create them world-traversable, empty but for the bind.
        for parent in reversed(Path(path).parents[:-1]):
            if str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", path, path]
    for packages in sorted(_packages_dirs(extra)):
        # An empty, read-only directory over each: present (so nothing breaks on a
        # missing path) and holding nothing.
        args += ["--tmpfs", packages, "--remount-ro", packages]
    return args


def _under_system_dirs(path: str) -> bool:
    return any(path == d or path.startswith(d + "/") for d in _SYSTEM_DIRS)


def _interpreter_files(python: str) -> list[str]:
    """The interpreter, its shared library and its standard library: what ``python -I -S``
    needs. Not its prefix: that holds site-packages, where fairclimb may be installed."""
    paths = {sysconfig.get_path("stdlib", vars=_base_vars()),
             sysconfig.get_path("platstdlib", vars=_base_vars()), python}
    library = sysconfig.get_config_var("INSTSONAME")
    libdir = sysconfig.get_config_var("LIBDIR")
    if sysconfig.get_config_var("Py_ENABLE_SHARED") and library and libdir:
        paths.add(os.path.realpath(os.path.join(libdir, library)))
    return sorted(path for path in paths if os.path.exists(path))


def _base_vars() -> dict[str, str]:
    return {"base": sys.base_prefix, "platbase": sys.base_exec_prefix,
            "installed_base": sys.base_prefix, "installed_platbase": sys.base_exec_prefix}


def _packages_dirs(mounted: set[str]) -> set[str]:
    """Installed-packages directories inside what the sandbox mounts."""
    found = {path for pattern in _SYSTEM_PACKAGES for path in glob.glob(pattern)}
    for root in mounted:
        if os.path.isdir(root):
            found.update(glob.glob(os.path.join(root, "*-packages")))
    return {os.path.realpath(path) for path in found if os.path.isdir(path)
            and not os.path.islink(path)}


class RlimitsBackend:
    """Resource limits only: for machines without bubblewrap. Contains much less."""

    name = "rlimits"

    def __init__(self, why: str = "the rlimits sandbox was chosen") -> None:
        self.why = why
        # Dropping to another uid only works if that uid can still read the stdlib.
        self.separate_uid = os.geteuid() == 0 and _world_readable(Path(sys.base_prefix))

    @property
    def isolation(self) -> Isolation:
        return Isolation(network=False, filesystem=False, processes=False,
                         separate_uid=self.separate_uid)

    @property
    def warning(self) -> str | None:
        missing = ", ".join(self.isolation.missing())
        return (f"{self.why}, so samples run with resource limits only "
                f"(no {missing}); use bubblewrap for full containment")

    def command(self, python: str, source: str,
                extra: Sequence[str] = ()) -> tuple[list[str], str | None]:
        base_dir = tempfile.mkdtemp(prefix="fairclimb-sandbox-")
        os.chmod(base_dir, 0o711)
        return _zygote_args(python, source, base_dir, self.separate_uid), base_dir


def _world_readable(path: Path) -> bool:
    return all(os.stat(part).st_mode & 1 for part in (path, *path.parents))


@functools.cache
def bubblewrap_works(executable: str = "bwrap") -> bool:
    """Whether bubblewrap is installed and may create the namespaces we ask for."""
    if shutil.which(executable) is None:
        return False
    probe = [executable, "--unshare-net", "--unshare-pid", "--unshare-ipc",
             "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    if os.geteuid() != 0:
        probe.append("--unshare-user")
    try:
        done = subprocess.run([*probe, "true"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    if done.returncode != 0:
        log.info("bubblewrap is installed but failed: %s", done.stderr.decode(errors="replace"))
    return done.returncode == 0


def bubblewrap() -> BubblewrapBackend:
    """The ``bwrap`` backend, refused in one sentence where bubblewrap cannot run."""
    if not bubblewrap_works():
        raise SandboxError(
            "the bwrap sandbox was asked for but bubblewrap is missing or cannot create "
            "namespaces here; install it (apt-get install bubblewrap) or use --sandbox auto"
        )
    return BubblewrapBackend()


_BACKEND_MEMBERS = ("name", "separate_uid", "isolation", "warning", "command")


def _backend_factory(name: str, value: object) -> Callable[[], Backend] | None:
    return cast("Callable[[], Backend]", value) if callable(value) else None


#: ``--sandbox`` names: the shipped backends and those other packages register in the
#: ``fairclimb.sandbox_backends`` entry-point group (each a callable with no arguments
#: that returns a :class:`Backend`); the same entries are in pyproject.toml
REGISTRY: Registry[Callable[[], Backend]] = Registry(
    SANDBOX_BACKENDS,
    {"bwrap": f"{__name__}:bubblewrap", "rlimits": f"{__name__}:RlimitsBackend"},
    "a callable with no arguments that returns a sandbox Backend", _backend_factory)


def select_backend(name: str = "auto") -> Backend:
    """The backend called *name*; ``auto`` prefers bubblewrap."""
    if name == "auto":
        if bubblewrap_works():
            return BubblewrapBackend()
        return RlimitsBackend("bubblewrap is not available or cannot create namespaces here")
    factory = REGISTRY.get(name)
    if factory is None:
        raise UserInputError(
            f"unknown sandbox {name!r}; choose auto, {' or '.join(REGISTRY.names())}")
    backend = factory()
    missing = [member for member in _BACKEND_MEMBERS if not hasattr(backend, member)]
    if missing:
        plugin = REGISTRY.plugins()[name]
        raise PluginError(
            f"the {SANDBOX_BACKENDS} plugin {name!r} of {plugin.distribution} made a "
            f"{type(backend).__name__}, which lacks {', '.join(missing)} of a sandbox "
            "Backend; fix or uninstall that package")
    return backend
