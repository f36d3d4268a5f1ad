"""Extension points: suites and backends other packages add through entry points.

A distribution adds to fairclimb by naming objects in its ``pyproject.toml``::

    [project.entry-points."fairclimb.suites"]
    my-suite = "my_package.suites:MY_SUITE"          # a fairclimb.suites.SuiteInfo

    [project.entry-points."fairclimb.model_backends"]
    my_backend = "my_package.backend"                # a module with create(spec, ...)

    [project.entry-points."fairclimb.sandbox_backends"]
    my_sandbox = "my_package.sandbox:MySandbox"      # () -> a fairclimb.sandbox.Backend

fairclimb's own suites and backends are registered the same way in its own
``pyproject.toml``, and each part also lists them in code (its :class:`Registry`'s
*builtins*), so a checkout without installed metadata finds them too. Entry points are
read once per process, on first use, and a plugin is imported only when it is needed
(its name is known without importing it). A plugin that fails to import, or names an
object of the wrong kind, raises :class:`PluginError` naming its distribution.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from fairclimb.errors import PluginError

__all__ = ["MODEL_BACKENDS", "SANDBOX_BACKENDS", "SUITES", "Plugin", "Registry"]

log = logging.getLogger(__name__)

SUITES = "fairclimb.suites"
MODEL_BACKENDS = "fairclimb.model_backends"
SANDBOX_BACKENDS = "fairclimb.sandbox_backends"
#: fairclimb's own distribution: its entry points are the built-ins, already known
_OWN_DISTRIBUTION = "fairclimb"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Plugin:
    """One registered name: what it points at and which distribution registered it."""

    name: str
    value: str  # "module" or "module:attribute", as in an entry point
    distribution: str  # "name version", or "fairclimb (built in)"

    @property
    def builtin(self) -> bool:
        return self.distribution.endswith("(built in)")


class Registry(Generic[T]):
    """The named objects of one entry-point group: the built-ins, then the plugins.

    *check* turns a loaded object into the registry's type, or returns None when it is
    the wrong kind of object (*kind* says what was expected, for the error message).
    """

    def __init__(self, group: str, builtins: Mapping[str, str], kind: str,
                 check: Callable[[str, object], T | None]) -> None:
        self.group = group
        self.kind = kind
        self._builtins = dict(builtins)
        self._check = check
        self._plugins: dict[str, Plugin] | None = None
        self._loaded: dict[str, T] = {}
        self._lock = threading.RLock()

    @property
    def builtins(self) -> dict[str, str]:
        return dict(self._builtins)

    def plugins(self) -> dict[str, Plugin]:
        """Every name of the group, built-ins first; entry points are read once."""
        with self._lock:
            if self._plugins is None:
                self._plugins = self._discover()
            return dict(self._plugins)

    def names(self) -> list[str]:
        return list(self.plugins())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.plugins()

    def get(self, name: str) -> T | None:
        """The object registered as *name* (imported now, once), or None if none is.

        A built-in name is found without reading the installed distributions' entry
        points (tens of ms, in every process that asks, checkers included): a plugin
        never replaces a built-in, so discovery could not change the answer."""
        with self._lock:
            known = self._plugins is not None
        if not known and name in self._builtins:
            plugin: Plugin | None = Plugin(name, self._builtins[name],
                                           f"{_OWN_DISTRIBUTION} (built in)")
        else:
            plugin = self.plugins().get(name)
        if plugin is None:
            return None
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = self._load(plugin)
            return self._loaded[name]

    def load_all(self) -> list[T]:
        """Every registered object, built-ins first (imports every plugin)."""
        return [item for name in self.names() if (item := self.get(name)) is not None]

    def _discover(self) -> dict[str, Plugin]:
        from importlib.metadata import entry_points

        found = {name: Plugin(name, value, f"{_OWN_DISTRIBUTION} (built in)")
                 for name, value in self._builtins.items()}
        for point in sorted(entry_points(group=self.group), key=lambda p: p.name):
            dist = point.dist
            dist_name = dist.metadata["Name"] if dist is not None else "an unknown distribution"
            if dist_name == _OWN_DISTRIBUTION and point.name in self._builtins:
                continue  # fairclimb's own metadata: the built-ins already say it
            where = f"{dist_name} {dist.version}" if dist is not None else dist_name
            if point.name in found:
                log.warning("%s registers %r in %s, which %s already has; it is ignored",
                            where, point.name, self.group, found[point.name].distribution)
                continue
            found[point.name] = Plugin(point.name, point.value, where)
        return found

    def _load(self, plugin: Plugin) -> T:
        from importlib.metadata import EntryPoint

        try:
            loaded = EntryPoint(plugin.name, plugin.value, self.group).load()
        except Exception as error:  # any failure of someone else's import is theirs
            raise PluginError(
                f"the {self.group} plugin {plugin.name!r} of {plugin.distribution} failed to "
                f"load ({plugin.value}: {type(error).__name__}: {error}); fix or uninstall "
                "that package") from error
        checked = self._check(plugin.name, loaded)
        if checked is None:
            raise PluginError(
                f"the {self.group} plugin {plugin.name!r} of {plugin.distribution} gives "
                f"{_describe(loaded)} ({plugin.value}), not {self.kind}; fix or uninstall "
                "that package")
        return checked


def _describe(value: object) -> str:
    if isinstance(value, type):
        return f"the class {value.__qualname__}"
    return f"a {type(value).__name__}"
