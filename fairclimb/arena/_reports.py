"""What an admin reads about the arena: executed verdicts and their agreement with the
votes, the review screen, exports, the leaderboard, quality control, sampling and pay."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fairclimb.arena._accounts import SignedIn
from fairclimb.arena._agreement import Agreement, agreement
from fairclimb.arena._battle_io import Battle
from fairclimb.arena._battle_table import BattleTable
from fairclimb.arena._board import (
    PAGE_RATING_OPTIONS,
    BoardCache,
    Leaderboard,
    build_leaderboard,
    stored_leaderboard,
)
from fairclimb.arena._executed import (
    ExecutionReport,
    ShownVerdict,
    TestAgreement,
    execute_answers,
    shown_verdict,
    test_agreement,
)
from fairclimb.arena._export import ExportOptions, fastchat_rows
from fairclimb.arena._pay import PayRow, pay_rows
from fairclimb.arena._quality import RaterQuality, battle_records, rater_quality
from fairclimb.arena._rankings import RankingTasks
from fairclimb.arena._ratings import RatingOptions
from fairclimb.arena._records import ArenaOptions
from fairclimb.arena._review import Overrule, ReviewRow, Reviews
from fairclimb.arena._sampling import (
    Pool,
    SamplingReport,
    gold_candidates,
    pair_stats,
    sampling_report,
    supply_warnings,
)
from fairclimb.arena._stored_board import StoredVotes, stored_votes
from fairclimb.arena._visibility import Visibility
from fairclimb.errors import UserInputError
from fairclimb.evaluate import EvalOptions
from fairclimb.store import ArenaQuality, ArenaStore, ArenaVerdicts, BattleView, VoteRow

__all__ = ["ArenaReports"]

_GOLD_RATE_KEY = "gold_rate"


class ArenaReports:
    """The admin's views, mixed into :class:`~fairclimb.arena.Arena` (which sets these
    attributes); none of them draws or stores a task."""

    options: ArenaOptions
    data: ArenaStore
    verdicts: ArenaVerdicts
    reviews: Reviews
    rankings: RankingTasks
    boards: BoardCache

    def battle(self, viewer: SignedIn, battle_id: int) -> BattleView:
        raise NotImplementedError  # Arena's

    def gold_rate(self) -> float:
        return float(self.data.config().get(_GOLD_RATE_KEY, self.options.gold_rate))

    def set_gold_rate(self, rate: float) -> None:
        if not 0.0 <= rate <= 0.5:
            raise UserInputError("the gold rate is a share of battles between 0 and 0.5")
        self.data.set_config(_GOLD_RATE_KEY, rate)

    def execute_answers(self, options: EvalOptions | None = None) -> ExecutionReport:
        """Run every answer to a suite task that has no verdict yet against the task's
        tests (in the sandbox, through the evaluate part) and store the verdicts: gold
        checks then come from them."""
        verdicts, report = execute_answers(self.data.store, self.verdicts.unjudged(),
                                           options or EvalOptions())
        self.verdicts.set_verdicts(verdicts)
        return report

    def shown_verdicts(self, viewer: SignedIn, battle_id: int
                       ) -> tuple[ShownVerdict | None, ShownVerdict | None] | None:
        """The tests' verdicts on a battle's answers (A, B), with their status and
        detail (timeout, crashed…), once it is voted: shown before, they would decide
        the vote for the rater."""
        if self.battle(viewer, battle_id).winner is None:
            return None
        side_a, side_b = self.verdicts.answer_verdicts(battle_id)
        return shown_verdict(side_a), shown_verdict(side_b)

    def test_agreement(self) -> TestAgreement:
        return test_agreement(self.data.votes(), self.verdicts.battle_verdicts())

    def gold_possible(self) -> bool:
        """Whether some prompt has a passing and a failing answer (a gold check needs
        both): the admin page says so when the gold rate cannot be met."""
        return bool(gold_candidates(Pool.of(self.data.sample_pool(),
                                            self.data.answer_hashes())))

    def pass_rates(self) -> dict[str, tuple[int, int]]:
        """Each model's (answers passed, answers executed)."""
        return self.verdicts.model_verdicts()

    def battle_records(self) -> list[Battle]:
        """Every vote as a FastChat-format battle record, exclusions marked."""
        return self._records(self.data.votes())

    def _records(self, votes: Sequence[VoteRow]) -> list[Battle]:
        """One record per vote, in order: quality control's exclusions, less those an
        admin overruled."""
        return self.reviews.apply(votes, battle_records(votes, rater_quality(votes,
                                                                             self.options)))

    def review(self) -> list[ReviewRow]:
        """Every vote with its labels, comment, correction and standing, newest first."""
        votes = self.data.votes()
        overrules, wanted = self.reviews.overrules(), self.reviews.wanted()
        rows = [ReviewRow(v, r, overrules.get(v.battle_id), wanted.get(v.battle_id, 1))
                for v, r in zip(votes, self._records(votes), strict=True)]
        return sorted(rows, key=lambda row: row.vote.battle_id, reverse=True)

    def overrule(self, admin: SignedIn, battle_id: int, why: str) -> Overrule:
        """Count a vote quality control excluded; the admin's name and reason are kept."""
        admin.require_admin()
        votes = self.data.votes()
        records = {v.battle_id: r for v, r in zip(votes, self._records(votes), strict=True)}
        return self.reviews.overrule(admin, battle_id, why, records)

    def rater_agreement(self) -> Agreement:
        """Cohen's and Fleiss' kappa over the battles several raters judged."""
        return agreement(self.data.votes())

    def export_votes(self, options: ExportOptions | None = None) -> list[dict[str, Any]]:
        """Votes as FastChat battle rows (counted ones unless asked; the rich export
        with labels, comment and correction)."""
        votes = self.data.votes()
        quality = rater_quality(votes, self.options)
        informed = {b for q in quality.values() for b in q.informed}
        return fastchat_rows(votes, self._records(votes), self.data.vote_texts(),
                             informed, options or ExportOptions())

    def rating_battles(self) -> list[Battle]:
        """Every vote (and every pair of every ranking) as a battle, flagged ones marked
        excluded (a ``BattleSource``)."""
        return self.rated_records()

    def rated_records(self) -> list[Battle]:
        """What the ratings count: the votes, and the pairs the rankings imply."""
        return self.battle_records() + self.rankings.records()

    def rating_table(self, category: str | None, language: str | None
                     ) -> tuple[BattleTable | None, int]:
        """The votes and ranking pairs that count, of one task kind and language if
        given, grouped in the database (a ``BattleSource``), and how many in all."""
        rankings = self.rankings.records()
        votes = stored_votes(ArenaQuality(self.data.store), self.options,
                             self.reviews.overrules().keys(), rankings, language, category,
                             left_out=False)
        return votes.table, self.data.count_votes() + len(rankings)

    def stored_votes(self, language: str | None = None, kind: str | None = None
                     ) -> StoredVotes:
        """Quality control brought up to date in the store, then the votes that count
        read as grouped rows and those left out as counts (see ``_stored_board``)."""
        return stored_votes(ArenaQuality(self.data.store), self.options,
                            self.reviews.overrules().keys(), self.rankings.records(),
                            language, kind)

    def leaderboard(self, language: str | None = None, kind: str | None = None,
                    options: RatingOptions = PAGE_RATING_OPTIONS) -> Leaderboard:
        """Ratings with intervals and rank ranges over the votes that count (of one
        language or task kind, if given), and the excluded votes by reason; computed
        once per state of the votes, rankings and settings (the page and its plot share
        it)."""
        return self.boards.get((self.data.board_version(), language, kind, options),
                               lambda: self._leaderboard(language, kind, options))

    def _leaderboard(self, language: str | None, kind: str | None,
                     options: RatingOptions) -> Leaderboard:
        hidden = frozenset(Visibility(self.data).hidden_models())
        if options.style or options.category is not None or options.language is not None:
            # style control needs the answers one by one; option filters on top of the
            # board's own are rare: both read the votes one by one, as before
            return build_leaderboard(self.rated_records(), language, kind, options, hidden)
        return stored_leaderboard(self.stored_votes(language, kind), language, kind,
                                  options, hidden)

    def quality(self) -> list[RaterQuality]:
        return sorted(rater_quality(self.data.votes(), self.options).values(),
                      key=lambda q: q.judge)

    def sampling(self) -> SamplingReport:
        pool = Pool.of(self.data.sample_pool(), self.data.answer_hashes())
        report = sampling_report(pool, pair_stats(self.data.pair_outcomes()),
                                 self.data.battles_per_model(), self.gold_rate())
        report.warnings.extend(supply_warnings(pool, self.options.votes_wanted_per_rater))
        return report

    def pay(self, start: datetime | None = None, end: datetime | None = None
            ) -> list[PayRow]:
        """Each account's tasks, paid time (the union of its task intervals) and pay
        owed at the rate and currency in force when each task was done; with a period,
        only the tasks whose vote fell in [start, end)."""
        if start is not None and end is not None and start >= end:
            raise UserInputError("the pay period must end after it starts")
        votes = [v for v in self.data.votes() if (start is None or v.created_at >= start)
                 and (end is None or v.created_at < end)]
        return pay_rows(self.data.rater_activity(), votes)
