"""What a suite is before it is loaded: a name, a description and a loader of tasks.

This is the contract of a suite plugin (the ``fairclimb.suites`` entry-point group):
the entry point names a :class:`SuiteInfo` whose ``name`` is the entry point's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fairclimb.suites._task import Task

__all__ = ["SuiteInfo"]


@dataclass(frozen=True, slots=True)
class SuiteInfo:
    """A named, described loader of tasks; ``loader`` runs only when the tasks are needed."""

    name: str
    description: str
    origin: str
    loader: Callable[[], list[Task]] = field(repr=False)
