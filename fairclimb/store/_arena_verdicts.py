"""The arena's executed answers: which answers still need their tests run, their
verdicts, and the verdicts each battle showed.

A verdict belongs to an answer (``arena_samples.passed``); a battle shows two answers,
so its verdicts are read through them and never copied: one fact, one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from fairclimb.store._arena_tables import ArenaBattle, ArenaPrompt, ArenaSample
from fairclimb.store._store import Store

__all__ = ["AnswerVerdict", "ArenaVerdicts", "UnjudgedAnswer"]

_MAX_DETAIL = 2_000  # what a rater reads after the vote; the run's own record has it all


@dataclass(frozen=True, slots=True)
class AnswerVerdict:
    """An answer's verdict as stored: passed, the evaluate part's status value (passed,
    failed, timeout, crashed…) and its detail."""

    passed: bool
    status: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class UnjudgedAnswer:
    """An answer to a suite task whose tests have not run yet."""

    sample_id: int
    model: str
    answer: str
    suite: str
    task_id: str
    language: str


class ArenaVerdicts:
    def __init__(self, store: Store) -> None:
        self.store = store

    def unjudged(self) -> list[UnjudgedAnswer]:
        """Answers to prompts that name a suite task and have no verdict yet."""
        query = (select(ArenaSample.id, ArenaSample.model, ArenaSample.answer,
                        ArenaPrompt.suite, ArenaPrompt.task_id, ArenaPrompt.language)
                 .join(ArenaPrompt, ArenaPrompt.id == ArenaSample.prompt_id)
                 .where(ArenaSample.passed.is_(None), ArenaPrompt.suite.is_not(None),
                        ArenaPrompt.task_id.is_not(None))
                 .order_by(ArenaSample.id))
        with self.store.transaction("reading answers to execute") as session:
            return [UnjudgedAnswer(int(r[0]), r[1], r[2], str(r[3]), str(r[4]), r[5])
                    for r in session.execute(query)]

    def set_verdicts(self, verdicts: Mapping[int, AnswerVerdict]) -> None:
        """Store each answer's verdict (by sample id) in one transaction."""
        with self.store.transaction("storing test verdicts") as session:
            for sample_id, verdict in verdicts.items():
                session.execute(update(ArenaSample).where(ArenaSample.id == sample_id)
                                .values(passed=verdict.passed, verdict_status=verdict.status,
                                        verdict_detail=verdict.detail[:_MAX_DETAIL]))

    def answer_verdicts(self, battle_id: int
                        ) -> tuple[AnswerVerdict | None, AnswerVerdict | None]:
        """A battle's two answers' verdicts (A, B) with status and detail; None where
        an answer has none. A verdict stored before statuses were kept reads as passed
        or failed."""
        side_a, side_b = aliased(ArenaSample), aliased(ArenaSample)
        query = (select(side_a.passed, side_a.verdict_status, side_a.verdict_detail,
                        side_b.passed, side_b.verdict_status, side_b.verdict_detail)
                 .select_from(ArenaBattle)
                 .join(side_a, side_a.id == ArenaBattle.sample_a)
                 .join(side_b, side_b.id == ArenaBattle.sample_b)
                 .where(ArenaBattle.id == battle_id))
        with self.store.transaction("reading a battle's verdicts") as session:
            row = session.execute(query).first()
        if row is None:
            return None, None
        return _verdict(row[0], row[1], row[2]), _verdict(row[3], row[4], row[5])

    def battle_verdicts(self, battle_id: int | None = None
                        ) -> dict[int, tuple[bool | None, bool | None]]:
        """Each battle's verdicts as shown (or one battle's): (A passed, B passed)."""
        side_a, side_b = aliased(ArenaSample), aliased(ArenaSample)
        query = (select(ArenaBattle.id, side_a.passed, side_b.passed)
                 .join(side_a, side_a.id == ArenaBattle.sample_a)
                 .join(side_b, side_b.id == ArenaBattle.sample_b))
        if battle_id is not None:
            query = query.where(ArenaBattle.id == battle_id)
        with self.store.transaction("reading battle verdicts") as session:
            return {int(r[0]): (r[1], r[2]) for r in session.execute(query)}

    def model_verdicts(self) -> dict[str, tuple[int, int]]:
        """Each model's (answers passed, answers executed), for pass rates."""
        query = select(ArenaSample.model, ArenaSample.passed).where(
            ArenaSample.passed.is_not(None))
        counts: dict[str, tuple[int, int]] = {}
        with self.store.transaction("reading pass rates") as session:
            for model, ok in session.execute(query):
                passed, total = counts.get(model, (0, 0))
                counts[model] = (passed + int(bool(ok)), total + 1)
        return counts


def _verdict(passed: bool | None, status: str | None, detail: str | None
             ) -> AnswerVerdict | None:
    if passed is None:
        return None
    return AnswerVerdict(bool(passed), status or ("passed" if passed else "failed"),
                         detail or "")
