"""Suites: tasks with prompts, reference solutions and trusted tests. Never runs code."""

from fairclimb.suites._debug import debug_origin, debug_suite_name, debug_task
from fairclimb.suites._file import Selection, choose_suite, read_tasks, select_tasks
from fairclimb.suites._info import SuiteInfo
from fairclimb.suites._mutant import BugClass, Mutant, Mutator, balanced_draw
from fairclimb.suites._mutants import mutants_for, python_mutants
from fairclimb.suites._perturb import (
    SkipReason,
    perturbed_origin,
    perturbed_suite_name,
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

# The builders import from the modules above (never this facade), so order is free.
from fairclimb.suites.build._adequacy import (
    AdequacyOptions,
    AdequacyReport,
    MutantRun,
    TaskAdequacy,
    check_adequacy,
    written_for_fairclimb,
)
from fairclimb.suites.build._debug_build import DebugBuild, DebugBuildOptions, build_debug_suite
from fairclimb.suites.build._judge import Judge, Judged
from fairclimb.suites.build._perturb_build import PerturbBuild, build_perturbed_suite

__all__ = [
    "AdequacyOptions",
    "AdequacyReport",
    "BugClass",
    "DebugBuild",
    "DebugBuildOptions",
    "Judge",
    "Judged",
    "Language",
    "Mutant",
    "MutantRun",
    "Mutator",
    "PerturbBuild",
    "Selection",
    "SkipReason",
    "Split",
    "Suite",
    "SuiteInfo",
    "SuiteSummary",
    "Task",
    "TaskAdequacy",
    "TaskKind",
    "add_suite",
    "balanced_draw",
    "build_debug_suite",
    "build_perturbed_suite",
    "check_adequacy",
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
    "python_mutants",
    "read_tasks",
    "select_tasks",
    "source_task_id",
    "suite_of_task",
    "task_from_fields",
    "task_to_fields",
    "written_for_fairclimb",
]
