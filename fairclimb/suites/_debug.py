"""Debug tasks: a reference with one labelled bug, to be found and fixed.

Building the tasks is text work and lives here; choosing which mutants to keep (those
the tests kill) needs their execution, which :mod:`fairclimb.evaluate` does.
"""

from __future__ import annotations

from fairclimb.suites._mutant import Mutant
from fairclimb.suites._task import Language, Task, TaskKind

__all__ = ["debug_origin", "debug_suite_name", "debug_task"]

_FENCE = {Language.PYTHON: "python", Language.JAVASCRIPT: "javascript"}

_PROMPT = """\
The {language} program below has exactly one bug: `{entry_point}` does not always do \
what its documentation says. Find the bug and fix it. Answer with the whole corrected \
program in one fenced code block, keeping the function's name and signature.

```{fence}
{buggy}```
"""


def debug_suite_name(source: str) -> str:
    return f"{source}-debug"


def debug_origin(source: str, source_origin: str, seed: int) -> str:
    """The origin of generated debug tasks: they were made by fairclimb, from what."""
    return (f"fairclimb: debug tasks generated from the suite {source} "
            f"({source_origin}) with seed {seed}")


def debug_task(source: Task, mutant: Mutant, number: int, seed: int,
               name: str | None = None) -> Task:
    """The debug task showing *mutant* of *source*'s reference, in the suite *name*
    (``<source suite>-debug`` by default); *number* tells apart several bugs of the
    same class in one source task (1, 2…)."""
    name = name or debug_suite_name(source.suite)
    buggy = mutant.program if mutant.program.endswith("\n") else mutant.program + "\n"
    return Task(
        task_id=f"{name}/{source.task_id}/{mutant.bug_class.value}-{number}",
        suite=name,
        prompt=_PROMPT.format(language=source.language.value.capitalize()
                              .replace("Javascript", "JavaScript"),
                              entry_point=source.entry_point,
                              fence=_FENCE.get(source.language, ""), buggy=buggy),
        entry_point=source.entry_point,
        reference=source.reference_program,
        tests=source.tests,
        kind=TaskKind.DEBUG,
        language=source.language,
        split=source.split,
        origin=debug_origin(source.suite, source.origin, seed),
        licence=source.licence,
        created=source.created,
        reference_whole=True,
        buggy=mutant.program,
        bug_class=mutant.bug_class.value,
    )
