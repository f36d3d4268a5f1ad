"""Data access for ranking tasks: serve N answers, store the order and the scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from fairclimb.store._arena_rank_tables import ArenaRanking
from fairclimb.store._arena_tables import ArenaAccount, ArenaPrompt, ArenaSample
from fairclimb.store._store import Store

__all__ = ["ArenaRankings", "RankingView"]


@dataclass(frozen=True, slots=True)
class RankingView:
    """A ranking task with what the page and the exports need, answers in shown order."""

    id: int
    rater_id: int
    judge: str  # the rater's pseudonym
    prompt: str
    language: str
    kind: str
    sample_ids: tuple[int, ...]
    models: tuple[str, ...]
    answers: tuple[str, ...]
    ranks: tuple[int, ...] | None  # None until submitted
    explanation: tuple[int, ...] | None
    seconds: float | None
    served_at: datetime
    ranked_at: datetime | None


class ArenaRankings:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, rater_id: int, prompt_id: int, samples: Sequence[int],
            now: datetime) -> int:
        with self.store.transaction("serving a ranking task", write=True) as session:
            result = session.execute(insert(ArenaRanking).values(
                rater_id=rater_id, prompt_id=prompt_id, samples=list(samples),
                served_at=now).returning(ArenaRanking.id))
            return int(result.scalar_one())

    def submit(self, ranking_id: int, rater_id: int, ranks: Sequence[int],
               explanation: Sequence[int], now: datetime, max_seconds: float) -> bool:
        """Store the order and scores once (a conditional update: a second submission,
        or another rater's, changes nothing and returns False)."""
        with self.store.transaction("storing a ranking", write=True) as session:
            served = session.scalar(select(ArenaRanking.served_at).where(
                ArenaRanking.id == ranking_id))
            if served is None:
                return False
            seconds = min((now - _utc(served)).total_seconds(), max_seconds)
            claimed = session.connection().execute(update(ArenaRanking).where(
                ArenaRanking.id == ranking_id, ArenaRanking.rater_id == rater_id,
                ArenaRanking.ranks.is_(None)).values(
                ranks=list(ranks), explanation=list(explanation), seconds=seconds,
                ranked_at=now))
            return bool(claimed.rowcount)

    def open_ranking(self, rater_id: int) -> int | None:
        query = select(ArenaRanking.id).where(
            ArenaRanking.rater_id == rater_id, ArenaRanking.ranks.is_(None)).limit(1)
        with self.store.transaction("reading rankings") as session:
            value = session.scalar(query)
            return None if value is None else int(value)

    def seen_samples(self, rater_id: int) -> set[int]:
        with self.store.transaction("reading a rater's rankings") as session:
            rows = session.scalars(select(ArenaRanking.samples).where(
                ArenaRanking.rater_id == rater_id))
            return {int(s) for samples in rows for s in samples}

    def get(self, ranking_id: int) -> RankingView | None:
        views = self._views(ArenaRanking.id == ranking_id)
        return views[0] if views else None

    def submitted(self) -> list[RankingView]:
        return self._views(ArenaRanking.ranks.is_not(None))

    def _views(self, condition: object) -> list[RankingView]:
        query = (select(ArenaRanking, ArenaAccount.pseudonym, ArenaPrompt)
                 .join(ArenaAccount, ArenaAccount.id == ArenaRanking.rater_id)
                 .join(ArenaPrompt, ArenaPrompt.id == ArenaRanking.prompt_id)
                 .where(condition).order_by(ArenaRanking.id))  # type: ignore[arg-type]
        with self.store.transaction("reading rankings") as session:
            rows = list(session.execute(query))
            ids = {int(s) for row in rows for s in row[0].samples}
            answers = {s.id: (s.model, s.answer) for s in session.scalars(
                select(ArenaSample).where(ArenaSample.id.in_(ids)))}
            return [_view(row[0], row[1], row[2], answers) for row in rows]


def _view(row: ArenaRanking, judge: str, prompt: ArenaPrompt,
          answers: dict[int, tuple[str, str]]) -> RankingView:
    ids = tuple(int(s) for s in row.samples)
    return RankingView(
        row.id, row.rater_id, judge, prompt.text, prompt.language, prompt.kind, ids,
        tuple(answers[s][0] for s in ids), tuple(answers[s][1] for s in ids),
        None if row.ranks is None else tuple(row.ranks),
        None if row.explanation is None else tuple(row.explanation), row.seconds,
        _utc(row.served_at), None if row.ranked_at is None else _utc(row.ranked_at))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
