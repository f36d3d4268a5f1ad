"""The arena: what a rater or an admin can do, each a call the web layer translates to.

:class:`Arena` ties the parts together: accounts and sessions, the briefing, pair
sampling, votes, quality control and pay. Its per-process state is only
what may differ between server processes: a random generator (each process draws from
its own) and a lock that serializes this process's draws. Counts that decide what is
served or refused (rate limits, battles per model, pair outcomes) are read from and
written to the database, so ``arena serve --workers N`` counts as one process would.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from fairclimb.arena._accounts import Accounts, SignedIn
from fairclimb.arena._board import BoardCache
from fairclimb.arena._briefing import Briefing, BriefingText
from fairclimb.arena._controls import Controls
from fairclimb.arena._generations import (
    GenerationFilter,
    GenerationImport,
    generation_samples,
    run_cache_keys,
)
from fairclimb.arena._limits import RateLimiter
from fairclimb.arena._live import LiveJob, LiveModels
from fairclimb.arena._live_battles import LiveBattles
from fairclimb.arena._live_jobs import SharedLiveJobs
from fairclimb.arena._live_tasks import LiveSuites
from fairclimb.arena._pay import PayRow
from fairclimb.arena._quality import vote_timing
from fairclimb.arena._rankings import RankingTasks
from fairclimb.arena._records import (
    AlreadyVoted,
    ArenaDenied,
    ArenaOptions,
    NoBattleAvailable,
    RateLimited,
    Role,
)
from fairclimb.arena._reports import ArenaReports
from fairclimb.arena._review import Reviews
from fairclimb.arena._sampling import Pool, draw_battle, pair_stats
from fairclimb.arena._task_input import KINDS, check_kind, checked_vote, now
from fairclimb.data import Winner
from fairclimb.errors import UserInputError
from fairclimb.evaluate import EvalOptions
from fairclimb.store import (
    ArenaStore,
    ArenaVerdicts,
    BattleView,
    NewBattle,
    Refusal,
    SampleIn,
    Store,
    VoteRefused,
)
from fairclimb.suites import get_suite, list_suites

__all__ = ["Arena", "BriefingRequired", "PayRow", "VoteResult"]


class BriefingRequired(ArenaDenied):
    """The rater has not accepted the briefing in force."""


@dataclass(frozen=True, slots=True)
class VoteResult:
    battle_id: int
    model_a: str
    model_b: str
    winner: Winner
    seconds: float
    flag: str | None  # the fast-vote detail; None if the vote was not too fast


class Arena(ArenaReports):
    def __init__(self, store: Store, options: ArenaOptions | None = None,
                 rng: np.random.Generator | None = None,
                 environ: Mapping[str, str] | None = None,
                 eval_options: EvalOptions | None = None) -> None:
        self.options = options or ArenaOptions()
        self.data = ArenaStore(store)
        self.accounts = Accounts(self.data, self.options)
        self.briefing = Briefing(self.data)
        self.verdicts = ArenaVerdicts(store)
        self._rng = rng if rng is not None else np.random.default_rng()
        self._draw_lock = threading.Lock()  # one draw at a time: the generator and counts
        self.rankings = RankingTasks(store, self.data, self.options, self._rng,
                                     self._draw_lock)
        self._votes = RateLimiter(store, "vote", self.options.votes_per_minute)
        self._battles = RateLimiter(store, "battle", self.options.battles_per_minute)
        self.reviews = Reviews(self.data)
        self.boards = BoardCache()  # leaderboards by the state they were computed from
        self.controls = Controls(self.data)
        # eval_options: how live battles' answers to suite tasks are run (workers,
        # limits, sandbox, executor: ``arena serve`` takes them from the settings)
        self._live = LiveBattles(store, self.data, environ, self._rng, self._draw_lock,
                                 self._battles, self.require_briefed, self.require_open,
                                 eval_options or EvalOptions())
        self.live: LiveModels = self._live.models  # environ: the models' API keys
        self.live_jobs: SharedLiveJobs = self._live.jobs
        self.live_suites: LiveSuites = self._live.suites  # suites raters draw tasks from

    @property
    def eval_options(self) -> EvalOptions:
        """How answers to suite tasks are run for live battles (as given)."""
        return self._live.eval_options

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
                served_at=now()))

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
        return self._live.start(rater, prompt, language, kind)

    def begin_live(self, rater: SignedIn, prompt: str, language: str = "python",
                   kind: str = "implement") -> LiveJob:
        """:meth:`start_live` in a worker thread: the page streams each answer as it
        arrives (from the returned job) and then links to the battle."""
        return self._live.begin(rater, prompt, language, kind)

    def start_live_task(self, rater: SignedIn) -> int:
        """A live battle on a task drawn from a suite the admin enabled: the models
        answer it live, the answers are run against its tests (verdicts after the
        vote, as for imported answers)."""
        task = self._live.draw_task(rater)
        return self._live.start(rater, task.task.prompt, task.task.language.value,
                                task.task.kind.value, task)

    def begin_live_task(self, rater: SignedIn) -> LiveJob:
        """:meth:`start_live_task` in a worker thread, streamed as :meth:`begin_live`."""
        task = self._live.draw_task(rater)
        return self._live.begin(rater, task.task.prompt, task.task.language.value,
                                task.task.kind.value, task)

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

    def vote(self, rater: SignedIn, battle_id: int, winner: Winner | str,
             labels_a: Sequence[str] = (), labels_b: Sequence[str] = (), comment: str = "",
             correction: str = "") -> VoteResult:
        vote = checked_vote(rater.account.id, battle_id, winner, labels_a, labels_b,
                             comment, correction, rater.account.briefing_version)
        self.require_briefed(rater)
        at = now()
        try:
            stored = self.data.add_vote(vote, at, vote_timing(at, self.options),
                                        self._votes.window_for(rater.account.id))
        except VoteRefused as refused:
            if refused.reason is Refusal.RATE_LIMITED:
                raise RateLimited("too many votes in a minute; slow down and read the "
                                  "answers") from None
            if refused.reason is Refusal.VOTED:
                raise AlreadyVoted("you have already voted on this battle; your first "
                                   "vote stands") from None
            raise ArenaDenied("this task is not yours") from None
        return VoteResult(battle_id, stored.model_a, stored.model_b, Winner(vote.winner),
                          stored.seconds, stored.flag)

    # -- admins ------------------------------------------------------------------------

    def add_prompt(self, text: str, language: str = "python", kind: str = "implement") -> int:
        if not text.strip():
            raise UserInputError("the prompt is empty; write the task raters will judge")
        check_kind(kind)
        return self.data.add_prompt(text, language, kind, now())

    def import_samples(self, samples: Sequence[SampleIn]) -> int:
        """Store answers to compare (all or none); returns how many were new."""
        for number, sample in enumerate(samples, 1):
            if not sample.model.strip() or not sample.prompt.strip() or not sample.answer:
                raise UserInputError(f"sample {number} needs a model, a prompt and an answer")
            if sample.kind not in KINDS:
                raise UserInputError(f"sample {number} has unknown kind {sample.kind!r}; use "
                                     f"one of {', '.join(KINDS)}")
        return self.data.add_samples(samples, now())

    def import_generations(self, chosen: GenerationFilter | None = None) -> GenerationImport:
        """Answers from the store's generation cache (``fairclimb generate``) of one
        model, suite or run if given, shown as the task's prompt and the extracted code."""
        chosen = chosen or GenerationFilter()
        names = [chosen.suite] if chosen.suite else [s.name for s in list_suites(self.data.store)]
        suites = [get_suite(name, self.data.store) for name in names]
        keys = run_cache_keys(chosen.run) if chosen.run else None
        samples, unmatched = generation_samples(self.data.generations(), suites, chosen, keys)
        return GenerationImport(self.import_samples(samples), len(samples), unmatched)

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

