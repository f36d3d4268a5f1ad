"""Live jobs shared by the server's worker processes.

The worker that starts a live battle runs the models and keeps the streamed text in
memory (it changes many times a second: writing each piece to the database would cost
more than the page gains). Who the job is for and how it ended go to the database, so
that the job's page or event stream, which the browser may open on another worker of
``arena serve --workers N``, finds it: there the answers appear whole once the job is
done, read from its battle, instead of streamed.
"""

from __future__ import annotations

import logging

from fairclimb.arena._live import LiveAnswer, LiveJob, LiveJobs
from fairclimb.arena._records import ArenaDenied
from fairclimb.arena._task_input import now
from fairclimb.store import ArenaLiveJobs, ArenaStore, LiveJobRecord, Store

__all__ = ["SharedLiveJobs"]

logger = logging.getLogger(__name__)


class _ElsewhereJob(LiveJob):
    """A job another worker runs: refreshed from the database."""


class SharedLiveJobs(LiveJobs):
    """:class:`LiveJobs` whose jobs every worker process can find."""

    def __init__(self, store: Store, data: ArenaStore) -> None:
        super().__init__()
        self._shared = ArenaLiveJobs(store)
        self._data = data

    def new(self, rater_id: int, language: str, kind: str) -> LiveJob:
        job = super().new(rater_id, language, kind)
        self._shared.add(job.id, rater_id, language, kind, now())
        return job

    def get(self, rater_id: int, job_id: str) -> LiveJob:
        try:
            return super().get(rater_id, job_id)
        except ArenaDenied:
            record = self._shared.get(job_id)
            if record is None or record.rater_id != rater_id:
                raise
        job = _ElsewhereJob(record.id, record.rater_id, record.language, record.kind)
        self._fill(job, record)
        return job

    def finish(self, job: LiveJob) -> None:
        """Record how the job ended (its battle, or the sentence saying why none)."""
        try:
            self._shared.finish(job.id, job.battle_id, job.error)
        except Exception:  # this worker still streams it; others will see it expire
            logger.exception("could not record the end of live battle %s", job.id)

    def refresh(self, job: LiveJob) -> None:
        """Bring a job another worker runs up to date (a job of this worker is)."""
        if isinstance(job, _ElsewhereJob) and not job.done.is_set():
            record = self._shared.get(job.id)
            if record is not None:
                self._fill(job, record)

    def _fill(self, job: LiveJob, record: LiveJobRecord) -> None:
        if not record.done:
            return
        job.error, job.battle_id = record.error, record.battle_id
        battle = self._data.battle(record.battle_id) if record.battle_id else None
        if battle is not None:  # names stay hidden: only the texts are shown
            job.answers.update({0: LiveAnswer("", battle.answer_a, cached=True),
                                1: LiveAnswer("", battle.answer_b, cached=True)})
        elif job.error is None:
            job.error = "the battle of this live task is gone; start another"
        job.done.set()
