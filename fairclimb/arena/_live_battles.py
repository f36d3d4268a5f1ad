"""Live battles: two enabled models, drawn by the sampling policy, answer a rater's own
prompt (or a task drawn from a suite the admin enabled) now, through the model registry
and the generation cache; answers to a suite task are run against its tests before the
battle is served, so their verdicts are there to show after the vote."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from fairclimb.arena._accounts import SignedIn
from fairclimb.arena._executed import execute_answers
from fairclimb.arena._limits import RateLimiter
from fairclimb.arena._live import (
    LiveAnswer,
    LiveJob,
    LiveModels,
    check_prompt,
    draw_live_pair,
)
from fairclimb.arena._live_jobs import SharedLiveJobs
from fairclimb.arena._live_tasks import LiveSuites, LiveTask
from fairclimb.arena._records import ArenaDenied, NoBattleAvailable, RateLimited
from fairclimb.arena._sampling import pair_stats
from fairclimb.arena._task_input import check_kind, now
from fairclimb.errors import FairclimbError
from fairclimb.evaluate import EvalOptions
from fairclimb.models import ModelSpec
from fairclimb.store import ArenaStore, ArenaVerdicts, NewBattle, SampleIn, Store

__all__ = ["LiveBattles"]

logger = logging.getLogger(__name__)

Gate = Callable[[SignedIn], None]


class LiveBattles:
    """The live half of :class:`~fairclimb.arena.Arena`; it shares the arena's random
    generator, draw lock and new-task limiter, so live and imported draws count alike."""

    def __init__(self, store: Store, data: ArenaStore, environ: Mapping[str, str] | None,
                 rng: np.random.Generator, draw_lock: threading.Lock,
                 battles: RateLimiter, require_briefed: Gate, require_open: Callable[[], None],
                 eval_options: EvalOptions) -> None:
        self.models = LiveModels(store, data, environ)  # environ: the models' API keys
        self.suites = LiveSuites(store, data)
        self.verdicts = ArenaVerdicts(store)
        self.eval_options = eval_options
        self.jobs = SharedLiveJobs(store, data)  # found by every worker process
        self.data = data
        self._rng = rng
        self._draw_lock = draw_lock
        self._battles = battles
        self._require_briefed = require_briefed
        self._require_open = require_open

    def draw_task(self, rater: SignedIn) -> LiveTask:
        """A suite task for a live battle (the gates first: no task is drawn for a rater
        who may not start one)."""
        self._require_briefed(rater)
        with self._draw_lock:
            return self.suites.draw(rater.account.id, self._rng)

    def start(self, rater: SignedIn, prompt: str, language: str, kind: str,
              task: LiveTask | None = None) -> int:
        specs, probability = self._draw(rater, prompt, kind)
        answers = self.models.answer(specs, prompt, task=task.task if task else None)
        return self._add_battle(rater, prompt, language, kind, answers, probability, task)

    def begin(self, rater: SignedIn, prompt: str, language: str, kind: str,
              task: LiveTask | None = None) -> LiveJob:
        specs, probability = self._draw(rater, prompt, kind)
        job = self.jobs.new(rater.account.id, language, kind)

        def run() -> None:
            try:
                answers = self.models.answer(specs, prompt, job.answers.__setitem__,
                                             job.add_text, task.task if task else None)
                job.battle_id = self._add_battle(rater, prompt, language, kind, answers,
                                                 probability, task)
            except FairclimbError as exc:
                job.error = str(exc)
            except Exception:  # the rater gets a sentence, the log the traceback
                logger.exception("live battle %s failed", job.id)
                job.error = "the models could not answer just now; try again later"
            finally:
                self.jobs.finish(job)
                job.done.set()

        threading.Thread(target=run, name=f"live-{job.id[:6]}", daemon=True).start()
        return job

    def _draw(self, rater: SignedIn, prompt: str, kind: str
              ) -> tuple[list[ModelSpec], float]:
        self._require_briefed(rater)
        if self.data.open_battle(rater.account.id) is not None:
            raise ArenaDenied("finish your open task first")
        self._require_open()
        check_kind(kind)
        check_prompt(prompt)
        if not self._battles.allow(rater.account.id):
            raise RateLimited("too many new tasks in a minute; wait a little")
        specs = {spec.name: spec for spec in self.models.specs()}
        with self._draw_lock:
            first, second, probability = draw_live_pair(
                list(specs), pair_stats(self.data.pair_outcomes()),
                self.data.battles_per_model(), self._rng)
        return [specs[first], specs[second]], probability

    def _add_battle(self, rater: SignedIn, prompt: str, language: str, kind: str,
                    answers: Sequence[LiveAnswer], probability: float,
                    task: LiveTask | None) -> int:
        if answers[0].text == answers[1].text:
            raise NoBattleAvailable("both models gave the same answer, so there is "
                                    "nothing to compare; try another prompt")
        suite, task_id = (task.suite, task.task.task_id) if task else (None, None)
        self.data.add_samples([SampleIn(a.model, prompt, a.text, suite=suite,
                                        task_id=task_id, language=language, kind=kind,
                                        origin="live") for a in answers], now())
        prompt_id = self.data.add_prompt(prompt, language, kind, now(), suite, task_id)
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
        if task is not None:
            self._judge(set(ids))
        return self.data.add_battle(NewBattle(
            rater_id=rater.account.id, prompt_id=prompt_id, sample_a=ids[0],
            sample_b=ids[1], model_a=answers[0].model, model_b=answers[1].model,
            probability=probability, gold_winner=None, served_at=now()))

    def _judge(self, sample_ids: set[int]) -> None:
        """Run the answers to a suite task against its tests (the evaluate part's run
        engine, in the sandbox) and store their verdicts, before the battle exists."""
        unjudged = [a for a in self.verdicts.unjudged() if a.sample_id in sample_ids]
        if unjudged:
            verdicts, _ = execute_answers(self.data.store, unjudged, self.eval_options)
            self.verdicts.set_verdicts(verdicts)
