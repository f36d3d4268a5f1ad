"""Suites by name. A suite is a named, described loader of tasks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fairclimb.errors import UnknownSuiteError
from fairclimb.suites._bundled import load_bundled
from fairclimb.suites._humaneval import load_humaneval
from fairclimb.suites._task import Task

__all__ = ["Suite", "SuiteInfo", "SuiteSummary", "describe_suites", "get_suite", "list_suites"]


@dataclass(frozen=True, slots=True)
class SuiteInfo:
    name: str
    description: str
    origin: str
    loader: Callable[[], list[Task]] = field(repr=False)


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


_SUITES: tuple[SuiteInfo, ...] = (
    SuiteInfo(
        name="humaneval",
        description="HumanEval: 164 hand-written Python functions with unit tests",
        origin="openai/human-eval",
        loader=load_humaneval,
    ),
    SuiteInfo(
        name="fairclimb-implement",
        description="Original Python functions from everyday work, with creation dates; "
                    "public and private splits",
        origin="fairclimb",
        loader=lambda: load_bundled("fairclimb-implement"),
    ),
    SuiteInfo(
        name="fairclimb-webdev",
        description="Original prompts for small self-contained web pages; no automatic "
                    "tests, judged by people in the arena",
        origin="fairclimb",
        loader=lambda: load_bundled("fairclimb-webdev"),
    ),
)


def list_suites() -> list[SuiteInfo]:
    return list(_SUITES)


def get_suite(name: str) -> Suite:
    for info in _SUITES:
        if info.name == name:
            return Suite(info.name, info.description, info.origin, tuple(info.loader()))
    known = ", ".join(info.name for info in _SUITES)
    raise UnknownSuiteError(f"unknown suite {name!r}; known suites: {known}")


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


def describe_suites() -> list[SuiteSummary]:
    summaries = []
    for info in _SUITES:
        tasks = info.loader()
        summaries.append(SuiteSummary(
            name=info.name, description=info.description, origin=info.origin,
            size=len(tasks),
            kinds=sorted({t.kind.value for t in tasks}),
            languages=sorted({t.language.value for t in tasks}),
            splits=sorted({t.split.value for t in tasks}),
        ))
    return summaries
