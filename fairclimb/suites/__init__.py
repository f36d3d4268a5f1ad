"""Suites: tasks with prompts, reference solutions and trusted tests. Never runs code."""

from fairclimb.suites._debug import debug_origin, debug_suite_name, debug_task
from fairclimb.suites._file import Selection, choose_suite, read_tasks, select_tasks
from fairclimb.suites._info import SuiteInfo
from fairclimb.suites._mutant import BugClass, Mutant, Mutator, balanced_draw
from fairclimb.suites._mutants import mutants_for, python_mutants
from fairclimb.suites._perturb import (
    SkipReason,
    VariantPlan,
    perturbed_origin,
    perturbed_suite_name,
    plan_variant,
    source_task_id,
)
from fairclimb.suites._registry import (
    Suite,
    SuiteSummary,
    add_suite,
    describe_suites,
    find_task,
    get_suite,
    list_suites,
    suite_of_task,
)
from fairclimb.suites._stored import task_from_fields, task_to_fields
from fairclimb.suites._task import Language, Split, Task, TaskKind

__all__ = [
    "BugClass",
    "Language",
    "Mutant",
    "Mutator",
    "Selection",
    "SkipReason",
    "Split",
    "Suite",
    "SuiteInfo",
    "SuiteSummary",
    "Task",
    "TaskKind",
    "VariantPlan",
    "add_suite",
    "balanced_draw",
    "choose_suite",
    "debug_origin",
    "debug_suite_name",
    "debug_task",
    "describe_suites",
    "find_task",
    "get_suite",
    "list_suites",
    "mutants_for",
    "perturbed_origin",
    "perturbed_suite_name",
    "plan_variant",
    "python_mutants",
    "read_tasks",
    "select_tasks",
    "source_task_id",
    "suite_of_task",
    "task_from_fields",
    "task_to_fields",
]
