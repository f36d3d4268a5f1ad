"""The arena: what a rater or an admin can do, each a call the web layer translates to.

:class:`Arena` ties the parts together: accounts and sessions, the briefing, pair
sampling, votes, quality control and pay. It holds per-server state only (a seeded
random generator, rate limiters), never global state.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from fairclimb.arena._accounts import Accounts, SignedIn
from fairclimb.arena._agreement import Agreement, agreement
from fairclimb.arena._battle_io import Battle, Winner
from fairclimb.arena._board import PAGE_RATING_OPTIONS, Leaderboard, build_leaderboard, to_battle
from fairclimb.arena._briefing import Briefing, BriefingText
from fairclimb.arena._controls import Controls
from fairclimb.arena._executed import (
    ExecutionReport,
    TestAgreement,
    execute_answers,
    test_agreement,
)
from fairclimb.arena._export import ExportOptions, fastchat_rows
from fairclimb.arena._generations import (
    GenerationFilter,
    GenerationImport,
    generation_samples,
    run_cache_keys,
)
from fairclimb.arena._limits import RateLimiter
from fairclimb.arena._live import (
    LiveAnswer,
    LiveJob,
    LiveJobs,
    LiveModels,
    check_prompt,
    draw_live_pair,
)
from fairclimb.arena._pay import PayRow, pay_rows
from fairclimb.arena._quality import RaterQuality, battle_records, rater_quality
from fairclimb.arena._rankings import RankingTasks
from fairclimb.arena._ratings import RatingOptions
from fairclimb.arena._records import (
    LABELS,
    AlreadyVoted,
    ArenaDenied,
    ArenaOptions,
    NoBattleAvailable,
    RateLimited,
    Role,
)
from fairclimb.arena._review import Overrule, ReviewRow, Reviews
from fairclimb.arena._sampling import (
    Pool,
    SamplingReport,
    draw_battle,
    gold_candidates,
    pair_stats,
    sampling_report,
    supply_warnings,
)
from fairclimb.arena._visibility import Visibility
from fairclimb.errors import FairclimbError, UserInputError
from fairclimb.evaluate import EvalOptions
from fairclimb.models import ModelSpec
from fairclimb.store import (
    ArenaStore,
    ArenaVerdicts,
    BattleRecord,
    BattleView,
    NewBattle,
    NewVote,
    SampleIn,
    Store,
    VoteRefused,
    VoteRow,
)
from fairclimb.suites import get_suite, list_suites

__all__ = ["Arena", "BriefingRequired", "PayRow", "VoteResult"]

logger = logging.getLogger(__name__)

_MAX_COMMENT = 5_000
_MAX_CODE = 100_000
_KINDS = ("implement", "debug", "optimize", "explain", "webdev")
_GOLD_RATE_KEY = "gold_rate"


class BriefingRequired(ArenaDenied):
    """The rater has not accepted the briefing in force."""


@dataclass(frozen=True, slots=True)
class VoteResult:
    battle_id: int
    model_a: str
    model_b: str
    winner: str
    seconds: float
    flag: str | None


class Arena:
    def __init__(self, store: Store, options: ArenaOptions | None = None,
                 rng: np.random.Generator | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.options = options or ArenaOptions()
        self.data = ArenaStore(store)
        self.accounts = Accounts(self.data, self.options)
        self.briefing = Briefing(self.data)
        self.verdicts = ArenaVerdicts(store)
        self.live = LiveModels(store, self.data, environ)  # environ: the models' API keys
        self.live_jobs = LiveJobs()
        self._rng = rng if rng is not None else np.random.default_rng()
        self._draw_lock = threading.Lock()  # one draw at a time: the generator and counts
        self.rankings = RankingTasks(store, self.data, self.options, self._rng,
                                     self._draw_lock)
        self._votes = RateLimiter(self.options.votes_per_minute)
        self._battles = RateLimiter(self.options.battles_per_minute)
        self.reviews = Reviews(self.data)
        self.controls = Controls(self.data)

    # -- raters ------------------------------------------------------------------------

    def require_briefed(self, rater: SignedIn) -> None:
        """Tasks only for raters who accepted the briefing in force (read with the
        session, so the vote path needs no extra query)."""
        if rater.briefed:
            return
        if rater.current_briefing is None:
            raise ArenaDenied("the admin has not published a briefing yet; no tasks can "
                              "be given before raters are told what their votes are for")
        raise BriefingRequired("please read and accept the briefing first")

    def next_battle(self, rater: SignedIn) -> int:
        """The rater's open battle, or a new one drawn under the sampling policy."""
        self.require_briefed(rater)
        open_id = self.data.open_battle(rater.account.id)
        if open_id is not None:
            return open_id
        self.require_open()
        if not self._battles.allow(rater.account.id):
            raise RateLimited("too many new tasks in a minute; wait a little")
        with self._draw_lock:
            repeat = self.reviews.repeat_for(rater.account.id,
                                             self.data.seen_samples(rater.account.id))
            if repeat is not None:  # the admin asked for more raters on this pair
                return self.data.add_battle(repeat)
            pool = self._unseen_pool(rater.account.id)
            stats = pair_stats(self.data.pair_outcomes())
            draw = draw_battle(pool, stats, self.data.battles_per_model(), self._rng,
                               self.gold_rate())
            if draw is None:
                raise NoBattleAvailable("there is no task left that you have not seen; "
                                        "thank you — the admin must import more answers "
                                        "before you can go on")
            return self.data.add_battle(NewBattle(
                rater_id=rater.account.id, prompt_id=draw.prompt_id, sample_a=draw.sample_a,
                sample_b=draw.sample_b, model_a=draw.model_a, model_b=draw.model_b,
                probability=draw.probability, gold_winner=draw.gold_winner,
                served_at=_now()))

    def skip(self, rater: SignedIn, battle_id: int) -> None:
        """"Can't judge": the open task closes without a vote (unpaid: pay is per vote)
        and its answers are not shown to this rater again."""
        if not self.data.skip_battle(battle_id, rater.account.id):
            raise ArenaDenied("this task is not yours or it is already closed")

    def task_number(self, battle: BattleView) -> int:
        """Tasks are numbered per rater: a global id would tell them the study's size."""
        return self.data.task_number(battle.id, battle.rater_id)

    def own_pay(self, rater: SignedIn) -> PayRow | None:
        """The rater's own tasks, paid time and earnings."""
        return next((row for row in self.pay() if row.username == rater.account.username),
                    None)

    def start_live(self, rater: SignedIn, prompt: str, language: str = "python",
                   kind: str = "implement") -> int:
        """A live battle: two enabled models drawn by the sampling policy answer the
        rater's own prompt now (through the registry and the generation cache)."""
        specs, probability = self._draw_live(rater, prompt, kind)
        answers = self.live.answer(specs, prompt)
        return self._add_live_battle(rater, prompt, language, kind, answers, probability)

    def begin_live(self, rater: SignedIn, prompt: str, language: str = "python",
                   kind: str = "implement") -> LiveJob:
        """:meth:`start_live` in a worker thread: the page streams each answer as it
        arrives (from the returned job) and then links to the battle."""
        specs, probability = self._draw_live(rater, prompt, kind)
        job = self.live_jobs.new(rater.account.id, language, kind)

        def run() -> None:
            try:
                answers = self.live.answer(specs, prompt, job.answers.__setitem__)
                job.battle_id = self._add_live_battle(rater, prompt, language, kind,
                                                      answers, probability)
            except FairclimbError as exc:
                job.error = str(exc)
            except Exception:  # the rater gets a sentence, the log the traceback
                logger.exception("live battle %s failed", job.id)
                job.error = "the models could not answer just now; try again later"
            finally:
                job.done.set()

        threading.Thread(target=run, name=f"live-{job.id[:6]}", daemon=True).start()
        return job

    def _draw_live(self, rater: SignedIn, prompt: str, kind: str
                   ) -> tuple[list[ModelSpec], float]:
        self.require_briefed(rater)
        if self.data.open_battle(rater.account.id) is not None:
            raise ArenaDenied("finish your open task first")
        self.require_open()
        if kind not in _KINDS:
            raise UserInputError(f"unknown task kind {kind!r}; use one of {', '.join(_KINDS)}")
        check_prompt(prompt)
        if not self._battles.allow(rater.account.id):
            raise RateLimited("too many new tasks in a minute; wait a little")
        specs = {spec.name: spec for spec in self.live.specs()}
        with self._draw_lock:
            first, second, probability = draw_live_pair(
                list(specs), pair_stats(self.data.pair_outcomes()),
                self.data.battles_per_model(), self._rng)
        return [specs[first], specs[second]], probability

    def _add_live_battle(self, rater: SignedIn, prompt: str, language: str, kind: str,
                         answers: Sequence[LiveAnswer], probability: float) -> int:
        if answers[0].text == answers[1].text:
            raise NoBattleAvailable("both models gave the same answer, so there is "
                                    "nothing to compare; try another prompt")
        self.data.add_samples([SampleIn(a.model, prompt, a.text, language=language,
                                        kind=kind, origin="live") for a in answers], _now())
        prompt_id = self.data.add_prompt(prompt, language, kind, _now())
        hashes = self.data.answer_hashes()
        ids = []
        for answer in answers:
            wanted = hashlib.sha256(answer.text.encode()).hexdigest()
            ids.append(next(row[0] for row in self.data.sample_pool()
                            if row[1] == prompt_id and row[2] == answer.model
                            and hashes.get(row[0]) == wanted))
        if set(ids) & self.data.seen_samples(rater.account.id):
            raise NoBattleAvailable("you have seen these answers to this prompt before "
                                    "(and whose they were); write another prompt")
        return self.data.add_battle(NewBattle(
            rater_id=rater.account.id, prompt_id=prompt_id, sample_a=ids[0],
            sample_b=ids[1], model_a=answers[0].model, model_b=answers[1].model,
            probability=probability, gold_winner=None, served_at=_now()))

    def _unseen_pool(self, rater_id: int) -> Pool:
        """The answers this rater was never shown: once a vote reveals the models, a
        repeated answer would tell the rater whose it is."""
        seen = self.data.seen_samples(rater_id)
        return Pool.of([row for row in self.controls.drawable(self.data.sample_pool())
                        if row[0] not in seen],
                       self.data.answer_hashes())

    def battle(self, viewer: SignedIn, battle_id: int) -> BattleView:
        """A battle its rater (or an admin) may see; names only once it is voted."""
        battle = self.data.battle(battle_id)
        if battle is None or (battle.rater_id != viewer.account.id
                              and viewer.account.role != Role.ADMIN):
            raise ArenaDenied("this task is not yours")
        return battle

    def vote(self, rater: SignedIn, battle_id: int, winner: str,
             labels_a: Sequence[str] = (), labels_b: Sequence[str] = (), comment: str = "",
             correction: str = "") -> VoteResult:
        vote = _checked_vote(rater.account.id, battle_id, winner, labels_a, labels_b,
                             comment, correction, rater.account.briefing_version)
        self.require_briefed(rater)
        if not self._votes.allow(rater.account.id):
            raise RateLimited("too many votes in a minute; slow down and read the answers")
        try:
            stored = self.data.add_vote(vote, _now(), self.options.max_task_seconds,
                                        self.options.fast_vote_seconds)
        except VoteRefused as refused:
            if refused.reason == "voted":
                raise AlreadyVoted("you have already voted on this battle; your first "
                                   "vote stands") from None
            raise ArenaDenied("this task is not yours") from None
        return VoteResult(battle_id, stored.model_a, stored.model_b, winner, stored.seconds,
                          stored.flag)

    # -- admins ------------------------------------------------------------------------

    def gold_rate(self) -> float:
        return float(self.data.config().get(_GOLD_RATE_KEY, self.options.gold_rate))

    def set_gold_rate(self, rate: float) -> None:
        if not 0.0 <= rate <= 0.5:
            raise UserInputError("the gold rate is a share of battles between 0 and 0.5")
        self.data.set_config(_GOLD_RATE_KEY, rate)

    def add_prompt(self, text: str, language: str = "python", kind: str = "implement") -> int:
        if not text.strip():
            raise UserInputError("the prompt is empty; write the task raters will judge")
        if kind not in _KINDS:
            raise UserInputError(f"unknown task kind {kind!r}; use one of {', '.join(_KINDS)}")
        return self.data.add_prompt(text, language, kind, _now())

    def import_samples(self, samples: Sequence[SampleIn]) -> int:
        """Store answers to compare (all or none); returns how many were new."""
        for number, sample in enumerate(samples, 1):
            if not sample.model.strip() or not sample.prompt.strip() or not sample.answer:
                raise UserInputError(f"sample {number} needs a model, a prompt and an answer")
            if sample.kind not in _KINDS:
                raise UserInputError(f"sample {number} has unknown kind {sample.kind!r}; use "
                                     f"one of {', '.join(_KINDS)}")
        return self.data.add_samples(samples, _now())

    def import_generations(self, chosen: GenerationFilter | None = None) -> GenerationImport:
        """Answers from the store's generation cache (``fairclimb generate``) of one
        model, suite or run if given, shown as the task's prompt and the extracted code."""
        chosen = chosen or GenerationFilter()
        names = [chosen.suite] if chosen.suite else [s.name for s in list_suites(self.data.store)]
        suites = [get_suite(name, self.data.store) for name in names]
        keys = run_cache_keys(chosen.run) if chosen.run else None
        samples, unmatched = generation_samples(self.data.generations(), suites, chosen, keys)
        return GenerationImport(self.import_samples(samples), len(samples), unmatched)

    def execute_answers(self, options: EvalOptions | None = None) -> ExecutionReport:
        """Run every answer to a suite task that has no verdict yet against the task's
        tests (in the sandbox, through the evaluate part) and store the verdicts: gold
        checks then come from them."""
        passed, report = execute_answers(self.data.store, self.verdicts.unjudged(),
                                         options or EvalOptions())
        self.verdicts.set_verdicts(passed)
        return report

    def shown_verdicts(self, viewer: SignedIn, battle_id: int
                       ) -> tuple[bool | None, bool | None] | None:
        """The tests' verdicts on a battle's answers (A, B), once it is voted: shown
        before, they would decide the vote for the rater."""
        if self.battle(viewer, battle_id).winner is None:
            return None
        return self.verdicts.battle_verdicts(battle_id).get(battle_id, (None, None))

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

    def battle_records(self) -> list[BattleRecord]:
        """Every vote as a FastChat-format battle record, exclusions marked."""
        return self._records(self.data.votes())

    def _records(self, votes: Sequence[VoteRow]) -> list[BattleRecord]:
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
        return [to_battle(record) for record in self.rated_records()]

    def rated_records(self) -> list[BattleRecord]:
        """What the ratings count: the votes, and the pairs the rankings imply."""
        return self.battle_records() + self.rankings.records()

    def leaderboard(self, language: str | None = None, kind: str | None = None,
                    options: RatingOptions = PAGE_RATING_OPTIONS) -> Leaderboard:
        """Ratings with intervals and rank ranges over the votes that count (of one
        language or task kind, if given), and the excluded votes by reason."""
        return build_leaderboard(self.rated_records(), language, kind, options,
                                 frozenset(Visibility(self.data).hidden_models()))

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

    def require_open(self) -> None:
        """New tasks only while the admin has not paused the arena."""
        if self.controls.paused():
            raise ArenaDenied("the admin has paused the arena; your votes so far are saved "
                              "and paid — come back when it reopens")

    def require_leaderboard(self, viewer: SignedIn) -> None:
        """In a private study only admins see the leaderboard (raters would learn which
        model is ahead, and vote with it)."""
        if self.controls.private() and viewer.account.role != Role.ADMIN:
            raise ArenaDenied("the leaderboard of this study is private; the admin will "
                              "share the results")

    def current_briefing(self) -> BriefingText | None:
        return self.briefing.current()


def _checked_vote(rater_id: int, battle_id: int, winner: str, labels_a: Sequence[str],
                  labels_b: Sequence[str], comment: str, correction: str,
                  briefing_version: int | None) -> NewVote:
    if winner not in {w.value for w in Winner}:
        raise UserInputError("choose A, B, tie or both bad")
    unknown = sorted((set(labels_a) | set(labels_b)) - set(LABELS))
    if unknown:
        raise UserInputError(f"unknown error label {unknown[0]!r}; use {', '.join(LABELS)}")
    if len(comment) > _MAX_COMMENT or len(correction) > _MAX_CODE:
        raise UserInputError(f"the comment is limited to {_MAX_COMMENT} characters and the "
                             f"correction to {_MAX_CODE}")
    return NewVote(battle_id, rater_id, winner, sorted(set(labels_a)), sorted(set(labels_b)),
                   comment.strip(), correction, briefing_version)


def _now() -> datetime:
    return datetime.now(UTC)
