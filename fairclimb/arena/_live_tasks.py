"""Drawn live tasks: the admin enables suites for the arena; a rater draws one of their
tasks (one they have not judged), two enabled models answer it live with the request
evaluation makes for that task, and the answers are run against its tests."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

import numpy as np

from fairclimb.arena._records import ArenaDenied, NoBattleAvailable
from fairclimb.errors import UnknownSuiteError
from fairclimb.store import ArenaStore, Store
from fairclimb.suites import Suite, Task, get_suite

__all__ = ["LiveSuites", "LiveTask"]

_SUITES_KEY = "live_suites"


@dataclass(frozen=True, slots=True)
class LiveTask:
    suite: str
    task: Task


class LiveSuites:
    """Which suites raters may draw live tasks from (an arena setting), and drawing."""

    def __init__(self, store: Store, data: ArenaStore) -> None:
        self.store = store
        self.data = data

    def enabled(self) -> list[str]:
        names = self.data.config().get(_SUITES_KEY, [])
        return sorted(str(n) for n in names) if isinstance(names, list) else []

    def set_enabled(self, name: str, enabled: bool) -> list[str]:
        """Enable (or disable) a suite for drawn tasks; an unknown suite is refused."""
        if enabled:
            get_suite(name, self.store)  # UnknownSuiteError names the known ones
        names = set(self.enabled())
        names = names | {name} if enabled else names - {name}
        self.data.set_config(_SUITES_KEY, sorted(names))
        return sorted(names)

    def draw(self, rater_id: int, rng: np.random.Generator) -> LiveTask:
        """A task of an enabled suite, uniformly, that the rater has not judged yet."""
        suites = self.enabled()
        if not suites:
            raise ArenaDenied("the admin has not enabled a suite for drawn tasks; write "
                              "your own prompt instead")
        seen = self._seen_tasks(rater_id)
        tasks = [LiveTask(suite.name, task) for suite in self._suites(suites)
                 for task in suite.tasks if (suite.name, task.task_id) not in seen]
        if not tasks:
            raise NoBattleAvailable("you have judged every task of the arena's suites; "
                                    "write your own prompt instead")
        return tasks[int(rng.integers(len(tasks)))]

    def _suites(self, names: list[str]) -> list[Suite]:
        found: list[Suite] = []
        for name in names:
            try:
                found.append(get_suite(name, self.store))
            except UnknownSuiteError:  # removed since it was enabled: nothing to draw
                continue
        return found

    def _seen_tasks(self, rater_id: int) -> Set[tuple[str | None, str | None]]:
        seen = self.data.seen_samples(rater_id)
        prompt_ids = {row[1] for row in self.data.sample_pool() if row[0] in seen}
        return {(p.suite, p.task_id) for p in self.data.prompts() if p.id in prompt_ids}
