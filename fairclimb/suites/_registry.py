"""Suites by name. A suite is a named, described loader of tasks.

Suites ship with fairclimb (``_shipped.py``), come from other packages (the
``fairclimb.suites`` entry points, see :mod:`fairclimb.plugins`), or are built into a
store (``fairclimb suites build``); functions that can see built suites take the store
as an argument, so this part never opens a database itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fairclimb.errors import UnknownSuiteError, UserInputError
from fairclimb.plugins import SUITES, Registry
from fairclimb.suites._info import SuiteInfo
from fairclimb.suites._shipped import SHIPPED
from fairclimb.suites._stored import task_from_fields
from fairclimb.suites._task import Task

if TYPE_CHECKING:
    from fairclimb.store import Store, StoredSuite

__all__ = [
    "REGISTRY",
    "Suite",
    "SuiteInfo",
    "SuiteSummary",
    "add_suite",
    "describe_suites",
    "find_task",
    "get_suite",
    "list_suites",
    "suite_of_task",
]


@dataclass(frozen=True, slots=True)
class Suite:
    """A loaded suite: its tasks, addressable by id, in the suite's own order."""

    name: str
    description: str
    origin: str
    tasks: Sequence[Task]
    _by_id: dict[str, Task] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {task.task_id: task for task in self.tasks})

    def __len__(self) -> int:
        return len(self.tasks)

    def get(self, task_id: str) -> Task | None:
        return self._by_id.get(task_id)


def _suite_info(name: str, value: object) -> SuiteInfo | None:
    return value if isinstance(value, SuiteInfo) and value.name == name else None


#: the shipped suites and those other packages register (``fairclimb.suites`` entry points)
REGISTRY: Registry[SuiteInfo] = Registry(
    SUITES, SHIPPED, "a fairclimb.suites.SuiteInfo with the same name", _suite_info)


def list_suites(store: Store | None = None) -> list[SuiteInfo]:
    """The suites fairclimb ships and plugins add, then those built into *store*."""
    registered = REGISTRY.load_all()
    if store is None:
        return registered
    return [*registered, *(_stored_info(built, store) for built in _built(store))]


def get_suite(name: str, store: Store | None = None) -> Suite:
    """The suite called *name*: a shipped one, a plugin's, or one built into *store*."""
    info = REGISTRY.get(name)
    if info is not None:
        return Suite(info.name, info.description, info.origin, tuple(info.loader()))
    if store is not None:
        from fairclimb.store import SuiteRepository

        built = SuiteRepository(store).get(name)
        if built is not None:
            return Suite(built.name, built.description, built.origin,
                         tuple(task_from_fields(fields) for fields in built.tasks))
    known = ", ".join(info.name for info in list_suites(store))
    raise UnknownSuiteError(f"unknown suite {name!r}; known suites: {known}")


def suite_of_task(task_id: str, store: Store | None = None) -> str | None:
    """The name of the suite a task id belongs to, if any suite has it."""
    for info in REGISTRY.load_all():
        if any(task.task_id == task_id for task in info.loader()):
            return info.name
    if store is not None:
        from fairclimb.store import SuiteRepository

        return SuiteRepository(store).suite_of_task(task_id)
    return None


def find_task(task_id: str, store: Store | None = None) -> Task:
    """The task with this id in any suite, or one sentence saying there is none."""
    suite = suite_of_task(task_id, store)
    task = None if suite is None else get_suite(suite, store).get(task_id)
    if task is None:
        raise UserInputError(
            f"no suite has a task {task_id!r}; list suites with 'fairclimb suites' "
            "(task ids look like 'HumanEval/0')")
    return task


def _built(store: Store | None) -> list[StoredSuite]:
    if store is None:
        return []
    from fairclimb.store import SuiteRepository

    return SuiteRepository(store).list()


def _stored_info(built: StoredSuite, store: Store) -> SuiteInfo:
    def load() -> list[Task]:
        return list(get_suite(built.name, store).tasks)

    return SuiteInfo(built.name, built.description, built.origin, load)


@dataclass(frozen=True, slots=True)
class SuiteSummary:
    """What ``fairclimb suites`` shows of one suite."""

    name: str
    description: str
    origin: str
    size: int
    kinds: list[str]
    languages: list[str]
    splits: list[str]

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "size": self.size, "kinds": self.kinds,
                "languages": self.languages, "splits": self.splits, "origin": self.origin,
                "description": self.description}


def describe_suites(store: Store | None = None) -> list[SuiteSummary]:
    """What ``fairclimb suites`` shows: the registered suites, then those built into
    *store*."""
    summaries = []
    for info in REGISTRY.load_all():
        summaries.append(_summary(info.name, info.description, info.origin, info.loader()))
    if store is not None:
        for built in _built(store):
            tasks = get_suite(built.name, store).tasks
            summaries.append(_summary(built.name, built.description, built.origin, tasks))
    return summaries


def _summary(name: str, description: str, origin: str, tasks: Sequence[Task]) -> SuiteSummary:
    return SuiteSummary(
        name=name, description=description, origin=origin, size=len(tasks),
        kinds=sorted({t.kind.value for t in tasks}),
        languages=sorted({t.language.value for t in tasks}),
        splits=sorted({t.split.value for t in tasks}),
    )


def add_suite(suite: Suite, store: Store, build: dict[str, object]) -> None:
    """Keep *suite* (your own tasks) in *store* under its name, replacing an older one
    of the same name; a shipped suite's name, or a task id another suite already has,
    is refused in one sentence (a task id must name one task)."""
    if suite.name in REGISTRY:
        raise UserInputError(f"{suite.name!r} is a suite shipped with fairclimb or an "
                             "installed plugin; choose another name")
    for task in suite.tasks:
        home = suite_of_task(task.task_id, store)
        if home not in (None, suite.name):
            raise UserInputError(f"task id {task.task_id!r} is already a task of the suite "
                                 f"{home}; give your task another \"id\"")
    from fairclimb.store import StoredSuite, SuiteRepository
    from fairclimb.suites._stored import task_to_fields

    SuiteRepository(store).put(StoredSuite(
        name=suite.name, description=suite.description, origin=suite.origin,
        build=dict(build), tasks=[task_to_fields(task) for task in suite.tasks]))
