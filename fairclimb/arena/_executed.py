"""Executed answers: an arena answer to a suite task is run against the task's tests,
and what the tests said is set next to what the raters said.

The arena never runs code itself: programs go through the evaluate part's run engine
(``run_programs``, the checker pool every other caller uses), which runs them in the
sandbox and decides each verdict on the trusted side. A verdict makes gold checks
possible (a passing answer against a failing one) without anyone marking answers.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fairclimb.arena._battle_io import Winner
from fairclimb.errors import UnknownSuiteError
from fairclimb.evaluate import EvalOptions, Status, extract_code, run_programs, solution_program
from fairclimb.sandbox import find_node
from fairclimb.store import AnswerVerdict, Store, UnjudgedAnswer, VoteRow
from fairclimb.suites import Language, Task, get_suite

__all__ = ["EXECUTABLE", "ExecutionReport", "ShownVerdict", "TestAgreement",
           "execute_answers", "shown_verdict", "test_agreement"]

EXECUTABLE = frozenset({Language.PYTHON.value, Language.JAVASCRIPT.value})


@dataclass(frozen=True, slots=True)
class ExecutionReport:
    executed: int
    passed: int
    skipped: tuple[str, ...]  # why an answer could not be run, one line each


@dataclass(frozen=True, slots=True)
class ShownVerdict:
    """What a rater is shown about an answer after the vote: passed or not, why
    (the evaluate part's status: failed, timeout, crashed…) and the tests' detail."""

    passed: bool
    status: Status
    detail: str


def shown_verdict(stored: AnswerVerdict | None) -> ShownVerdict | None:
    if stored is None:
        return None
    try:
        status = Status(stored.status)
    except ValueError:  # a status this version does not know: say only what held
        status = Status.PASSED if stored.passed else Status.FAILED
    return ShownVerdict(stored.passed, status, stored.detail)


@dataclass(frozen=True, slots=True)
class TestAgreement:
    """Counted votes on battles whose two answers got different verdicts (one passed,
    one did not). The tests say one answer is better, so a tie or "both bad" goes
    against them as much as preferring the answer that failed."""

    __test__ = False  # not a pytest class, despite the name

    agree: int  # the rater preferred the answer that passed
    disagree: int  # the rater preferred the answer that failed
    ties: int = 0  # the rater called them equal
    both_bad: int = 0  # the rater called both bad, though one passed

    @property
    def decided(self) -> int:
        """Such votes that chose a side (A or B)."""
        return self.agree + self.disagree

    @property
    def split(self) -> int:
        """All counted votes on battles whose tests split."""
        return self.decided + self.ties + self.both_bad

    @property
    def against_tests(self) -> int:
        return self.disagree + self.ties + self.both_bad

    @property
    def disagree_share(self) -> float | None:
        """The share of votes on split battles that went against the tests."""
        return self.against_tests / self.split if self.split else None


def execute_answers(store: Store, answers: Sequence[UnjudgedAnswer],
                    options: EvalOptions) -> tuple[dict[int, AnswerVerdict], ExecutionReport]:
    """Each runnable answer's verdict (by sample id: passed, status, detail) and a
    report of the run; *options* say where they run (this machine, or a Ray
    cluster's nodes: the same verdicts)."""
    skipped: list[str] = []
    tasks: dict[tuple[str, str], Task | None] = {}
    jobs: list[tuple[int, Task, str]] = []
    for answer in answers:
        task = _task(store, answer, tasks)
        if task is None:
            skipped.append(f"answer {answer.sample_id}: no task {answer.task_id!r} in "
                           f"suite {answer.suite!r}")
        elif task.language.value not in EXECUTABLE:
            skipped.append(f"answer {answer.sample_id}: {task.language.value} answers are "
                           "rendered, not executed")
        else:
            jobs.append((answer.sample_id, task, program_for(task, answer.answer)))
    needs_node = any(task.language is Language.JAVASCRIPT for _, task, _ in jobs)
    verdicts = run_programs([(task, program) for _, task, program in jobs],
                            workers=options.workers, sandbox=options.sandbox,
                            limits=options.limits,
                            node=find_node(options.node) if needs_node else None,
                            executor=options.executor)
    stored = {sample_id: AnswerVerdict(verdict.status is Status.PASSED,
                                       verdict.status.value, verdict.detail)
              for (sample_id, _, _), verdict in zip(jobs, verdicts, strict=True)}
    return stored, ExecutionReport(len(stored), sum(v.passed for v in stored.values()),
                                   tuple(skipped))


def program_for(task: Task, answer: str) -> str:
    """The whole program an answer stands for: its code if that defines the entry point
    (a chat answer or a whole solution), else the prompt it continues (a completion)."""
    code = extract_code(answer, task.entry_point, task.language)
    if not _defines(code, task.entry_point, task.language):
        return task.prompt + answer
    return solution_program(task, code)


def test_agreement(votes: Sequence[VoteRow],
                   verdicts: Mapping[int, tuple[bool | None, bool | None]]) -> TestAgreement:
    """How raters voted on battles whose answers split on their tests: for the answer
    that passed, for the one that failed, a tie or both bad (counted votes only: gold
    checks and flagged votes are not opinions on the models)."""
    counts = dict.fromkeys(("agree", "disagree", "ties", "both_bad"), 0)
    for vote in votes:
        passed_a, passed_b = verdicts.get(vote.battle_id, (None, None))
        if passed_a is None or passed_b is None or passed_a == passed_b:
            continue
        if vote.flag or vote.gold_winner is not None:
            continue
        if vote.winner == Winner.TIE.value:
            counts["ties"] += 1
        elif vote.winner == Winner.TIE_BOTHBAD.value:
            counts["both_bad"] += 1
        elif vote.winner in (Winner.MODEL_A.value, Winner.MODEL_B.value):
            chose_passing = passed_a if vote.winner == Winner.MODEL_A.value else passed_b
            counts["agree" if chose_passing else "disagree"] += 1
    return TestAgreement(**counts)


def _task(store: Store, answer: UnjudgedAnswer,
          cache: dict[tuple[str, str], Task | None]) -> Task | None:
    key = (answer.suite, answer.task_id)
    if key not in cache:
        try:
            cache[key] = get_suite(answer.suite, store).get(answer.task_id)
        except UnknownSuiteError:  # the answer is skipped, and the report says why
            cache[key] = None
    return cache[key]


def _defines(code: str, name: str, language: Language) -> bool:
    if language is not Language.PYTHON:
        return re.search(rf"\b(function\s*\*?\s*{re.escape(name)}\b|"
                         rf"{re.escape(name)}\s*=)", code) is not None
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name
               for node in tree.body)
