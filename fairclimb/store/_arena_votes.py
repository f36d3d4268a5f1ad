"""The arena's battles and votes in the store: opening, skipping and claiming battles,
storing a vote (closing its battle, counting it against the rate limit and linking it
into the tamper-evident chain in one transaction: ``_vote_path``) and reading the votes
back. Plain records only: the timing rule and every
sentence a person reads are the arena's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from fairclimb.store._arena_limits import RateWindow
from fairclimb.store._arena_rank_tables import ArenaRanking
from fairclimb.store._arena_records import (
    BattleView,
    NewBattle,
    NewVote,
    PromptRecord,
    RaterActivity,
    VoteRow,
    VoteTiming,
)
from fairclimb.store._arena_tables import (
    ArenaAccount,
    ArenaBattle,
    ArenaConfig,
    ArenaPrompt,
    ArenaSample,
    ArenaVote,
)
from fairclimb.store._models import Generation
from fairclimb.store._store import Store
from fairclimb.store._vote_chain import (
    ChainHead,
    ChainReport,
    chain_head,
    chain_rows,
    verify_chain,
)
from fairclimb.store._vote_path import Refusal, VoteRefused, VoteStored, store_vote, utc

__all__ = ["Refusal", "VoteRefused", "VoteStore", "VoteStored", "prompt_record", "utc"]


class VoteStore:
    """Battles and votes, mixed into :class:`~fairclimb.store._arena.ArenaStore`."""

    store: Store

    # -- battles and votes -------------------------------------------------------------

    def open_battle(self, rater_id: int) -> int | None:
        """The rater's oldest battle still waiting for a vote."""
        query = (select(ArenaBattle.id)
                 .where(ArenaBattle.rater_id == rater_id, ArenaBattle.voted.is_(False))
                 .order_by(ArenaBattle.id).limit(1))
        with self.store.transaction("finding an open battle") as session:
            return session.scalar(query)

    def skip_battle(self, battle_id: int, rater_id: int) -> bool:
        """Close the rater's open battle without a vote ("can't judge"); False if it is
        not theirs or not open. Its answers stay seen: never shown to them again."""
        query = (update(ArenaBattle).where(ArenaBattle.id == battle_id,
                                           ArenaBattle.rater_id == rater_id,
                                           ArenaBattle.voted.is_(False))
                 .values(voted=True))
        with self.store.transaction("skipping a battle", write=True) as session:
            return bool(session.execute(query).rowcount)  # type: ignore[attr-defined]

    def task_number(self, battle_id: int, rater_id: int) -> int:
        """The battle's place among its rater's tasks (1 for their first)."""
        query = select(func.count()).select_from(ArenaBattle).where(
            ArenaBattle.rater_id == rater_id, ArenaBattle.id <= battle_id)
        with self.store.transaction("numbering a task") as session:
            return int(session.scalar(query) or 0)

    def add_battle(self, battle: NewBattle) -> int:
        """Open the battle, or return the rater's open one: the database holds at most
        one open battle per rater (a partial unique index), so concurrent requests from
        one rater, on any number of workers, all get the same task."""
        values = {name: getattr(battle, name) for name in NewBattle.__dataclass_fields__}
        with self.store.transaction("starting a battle", write=True) as session:
            dialect = session.get_bind().dialect.name
            maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
            result = session.execute(
                maker(ArenaBattle).values(voted=False, **values).on_conflict_do_nothing()
                .returning(ArenaBattle.id)).scalar()
            if result is None:
                result = session.execute(select(ArenaBattle.id).where(
                    ArenaBattle.rater_id == battle.rater_id, ArenaBattle.voted.is_(False))
                ).scalar_one()
            return int(result)

    def seen_samples(self, rater_id: int) -> set[int]:
        """Every answer the rater has been shown: never shown again (its model may have
        been revealed to them)."""
        query = select(ArenaBattle.sample_a, ArenaBattle.sample_b).where(
            ArenaBattle.rater_id == rater_id)
        with self.store.transaction("reading what a rater has seen") as session:
            return {int(s) for row in session.execute(query) for s in row}

    def battle_pairs(self) -> dict[int, NewBattle]:
        """Every battle as it was started (rater, prompt, both answers and models), by
        id: what a repeat for another rater copies."""
        query = select(ArenaBattle).order_by(ArenaBattle.id)
        with self.store.transaction("reading battles") as session:
            return {row.id: NewBattle(
                rater_id=row.rater_id, prompt_id=row.prompt_id, sample_a=row.sample_a,
                sample_b=row.sample_b, model_a=row.model_a, model_b=row.model_b,
                probability=row.probability, gold_winner=row.gold_winner,
                served_at=row.served_at) for row in session.scalars(query)}

    def add_battles(self, battles: Sequence[NewBattle]) -> None:
        """Many battles in one transaction (benchmarks and bulk set-up)."""
        rows = [{name: getattr(b, name) for name in NewBattle.__dataclass_fields__}
                | {"voted": False} for b in battles]
        with self.store.transaction("starting battles", write=True) as session:
            session.execute(insert(ArenaBattle), rows)

    def battle(self, battle_id: int) -> BattleView | None:
        a, b = aliased(ArenaSample), aliased(ArenaSample)
        query = (select(ArenaBattle, ArenaPrompt, a.answer, b.answer, ArenaVote.winner)
                 .join(ArenaPrompt, ArenaPrompt.id == ArenaBattle.prompt_id)
                 .join(a, a.id == ArenaBattle.sample_a).join(b, b.id == ArenaBattle.sample_b)
                 .outerjoin(ArenaVote, ArenaVote.battle_id == ArenaBattle.id)
                 .where(ArenaBattle.id == battle_id))
        with self.store.transaction("reading a battle") as session:
            row = session.execute(query).first()
            if row is None:
                return None
            battle, prompt, answer_a, answer_b, winner = row
            return BattleView(battle.id, battle.rater_id, prompt_record(prompt), answer_a, answer_b,
                              battle.model_a, battle.model_b, battle.probability,
                              battle.gold_winner, battle.served_at, winner)

    def add_vote(self, vote: NewVote, now: datetime, timing: VoteTiming,
                 window: RateWindow | None = None) -> VoteStored:
        """Close the battle, count the vote against the rater's rate limit (*window*;
        none: nothing counted, for bulk loads and tests) and store it with its link in
        the vote chain, in one transaction (see ``_vote_path``). Raises
        :class:`VoteRefused` if the battle is unknown, someone else's or already voted,
        or the limit is reached: then nothing is stored or counted."""
        with self.store.connection("storing a vote", write=True) as connection:
            return store_vote(connection, vote, now, timing, window)

    def votes(self) -> list[VoteRow]:
        query = (select(ArenaVote, ArenaBattle.model_a, ArenaBattle.model_b,
                        ArenaBattle.probability, ArenaBattle.gold_winner,
                        ArenaAccount.pseudonym, ArenaPrompt.language, ArenaPrompt.kind,
                        ArenaBattle.sample_a, ArenaBattle.sample_b)
                 .join(ArenaBattle, ArenaBattle.id == ArenaVote.battle_id)
                 .join(ArenaAccount, ArenaAccount.id == ArenaVote.rater_id)
                 .join(ArenaPrompt, ArenaPrompt.id == ArenaBattle.prompt_id)
                 .order_by(ArenaVote.created_at, ArenaVote.battle_id))
        with self.store.transaction("reading votes") as session:
            return [VoteRow(
                battle_id=v.battle_id, rater_id=v.rater_id, judge=pseudonym, model_a=model_a,
                model_b=model_b, winner=v.winner, probability=probability,
                gold_winner=gold, seconds=v.seconds, flag=v.flag, language=language,
                kind=kind, labels_a=list(v.labels_a), labels_b=list(v.labels_b),
                comment=v.comment, correction=v.correction, created_at=v.created_at,
                sample_a=sample_a, sample_b=sample_b, pay_per_hour=v.pay_per_hour,
                currency=v.currency)
                for v, model_a, model_b, probability, gold, pseudonym, language, kind,
                sample_a, sample_b in session.execute(query)]

    def vote_texts(self) -> dict[int, tuple[str, str, str, int | None]]:
        """Per voted battle: (prompt, answer A, answer B, the rater's briefing version),
        what turning votes into training records needs beyond :meth:`votes`."""
        a, b = aliased(ArenaSample), aliased(ArenaSample)
        query = (select(ArenaVote.battle_id, ArenaPrompt.text, a.answer, b.answer,
                        ArenaAccount.briefing_version)
                 .join(ArenaBattle, ArenaBattle.id == ArenaVote.battle_id)
                 .join(ArenaPrompt, ArenaPrompt.id == ArenaBattle.prompt_id)
                 .join(a, a.id == ArenaBattle.sample_a).join(b, b.id == ArenaBattle.sample_b)
                 .join(ArenaAccount, ArenaAccount.id == ArenaVote.rater_id))
        with self.store.transaction("reading voted answers") as session:
            return {int(r[0]): (r[1], r[2], r[3], r[4]) for r in session.execute(query)}

    def pair_outcomes(self) -> list[tuple[str, str, str, int]]:
        """(model_a, model_b, winner, votes): what pair sampling weighs uncertainty by."""
        query = (select(ArenaBattle.model_a, ArenaBattle.model_b, ArenaVote.winner,
                        func.count())
                 .join(ArenaBattle, ArenaBattle.id == ArenaVote.battle_id)
                 .group_by(ArenaBattle.model_a, ArenaBattle.model_b, ArenaVote.winner))
        with self.store.transaction("counting outcomes") as session:
            return [(r[0], r[1], r[2], int(r[3])) for r in session.execute(query)]

    def generations(self) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
        """The generation cache as (cache key, model, request, completion), oldest
        first."""
        query = select(Generation.cache_key, Generation.model_name, Generation.request,
                       Generation.completion
                       ).order_by(Generation.created_at, Generation.cache_key)
        with self.store.transaction("reading generations") as session:
            return [(r[0], r[1], r[2], r[3]) for r in session.execute(query)]

    def vote_chain_head(self) -> ChainHead:
        """How many votes the tamper-evident log holds and its last hash."""
        with self.store.transaction("reading the vote chain head") as session:
            return chain_head(session.connection())

    def verify_vote_chain(self) -> ChainReport:
        """Recompute the vote chain from the stored rows (see ``_vote_chain``)."""
        with self.store.transaction("recomputing the vote chain") as session:
            connection = session.connection()
            return verify_chain(chain_rows(connection), chain_head(connection))

    def battle_draws(self) -> list[tuple[int, str, str, float, datetime, bool]]:
        """Every battle served: (id, model A, model B, the probability its pair was
        drawn with, when, voted), in serving order."""
        query = select(ArenaBattle.id, ArenaBattle.model_a, ArenaBattle.model_b,
                       ArenaBattle.probability, ArenaBattle.served_at, ArenaBattle.voted
                       ).order_by(ArenaBattle.served_at, ArenaBattle.id)
        with self.store.transaction("reading battles") as session:
            return [(int(r[0]), r[1], r[2], float(r[3]), r[4], bool(r[5]))
                    for r in session.execute(query)]

    def board_version(self) -> tuple[Any, ...]:
        """A cheap fingerprint of what the leaderboard is computed from: the vote chain's
        head, the number of votes, of submitted rankings and the last submission, and the
        settings (overrules, hidden models). Equal fingerprints, equal inputs."""
        rankings = select(func.count(), func.max(ArenaRanking.ranked_at)).where(
            ArenaRanking.ranked_at.is_not(None))
        with self.store.transaction("reading the leaderboard's version") as session:
            connection = session.connection()
            head = chain_head(connection)
            votes = int(session.scalar(select(func.count()).select_from(ArenaVote)) or 0)
            ranked = tuple(session.execute(rankings).one())
            settings = tuple(sorted((k, repr(v)) for k, v in session.execute(
                select(ArenaConfig.key, ArenaConfig.value))))
        return (head.votes, head.head, votes, ranked, settings)

    def count_votes(self) -> int:
        with self.store.transaction("counting votes") as session:
            return int(session.scalar(select(func.count()).select_from(ArenaVote)) or 0)

    def battles_per_model(self) -> dict[str, int]:
        """How many battles each model has been served in (either side)."""
        counts: dict[str, int] = {}
        with self.store.transaction("counting battles") as session:
            for column in (ArenaBattle.model_a, ArenaBattle.model_b):
                for model, n in session.execute(select(column, func.count()).group_by(column)):
                    counts[model] = counts.get(model, 0) + int(n)
        return counts

    def rater_activity(self) -> list[RaterActivity]:
        votes = (select(ArenaVote.rater_id, func.count().label("n"),
                        func.coalesce(func.sum(ArenaVote.seconds), 0.0).label("s"))
                 .group_by(ArenaVote.rater_id).subquery())
        query = (select(ArenaAccount.id, ArenaAccount.username, ArenaAccount.pseudonym,
                        ArenaAccount.role, ArenaAccount.briefing_version,
                        func.coalesce(votes.c.n, 0), func.coalesce(votes.c.s, 0.0))
                 .outerjoin(votes, votes.c.rater_id == ArenaAccount.id)
                 .order_by(ArenaAccount.username))
        with self.store.transaction("reading rater activity") as session:
            return [RaterActivity(r[0], r[1], r[2], r[3], r[4], int(r[5]), float(r[6]))
                    for r in session.execute(query)]


def prompt_record(row: ArenaPrompt) -> PromptRecord:
    return PromptRecord(row.id, row.text, row.suite, row.task_id, row.language, row.kind)
