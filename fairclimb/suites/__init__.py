"""Suites: tasks with prompts, reference solutions and trusted tests. Never runs code."""

from fairclimb.suites._registry import (
    Suite,
    SuiteInfo,
    SuiteSummary,
    describe_suites,
    get_suite,
    list_suites,
)
from fairclimb.suites._task import Language, Split, Task, TaskKind

__all__ = [
    "Language",
    "Split",
    "Suite",
    "SuiteInfo",
    "SuiteSummary",
    "Task",
    "TaskKind",
    "describe_suites",
    "get_suite",
    "list_suites",
]
