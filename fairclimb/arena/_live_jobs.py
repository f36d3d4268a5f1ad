"""Live jobs shared by the server's worker processes.

The worker that starts a live battle runs the models and keeps the streamed text in
memory; a thread of that worker writes the text so far to the job's row at most every
quarter of a second (each piece would cost a write for nothing a reader can see), cut
to a bounded size. Who the job is for and how it ended go there too, so that the job's
page or event stream, which the browser may open on another worker of ``arena serve
--workers N``, finds it and streams it by reading the row as often; the answers appear
whole once the job is done, read from its battle. Rows an hour old are removed a few
dozen at a time whenever a job is created.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from fairclimb.arena._live import LiveAnswer, LiveJob, LiveJobs
from fairclimb.arena._records import ArenaDenied
from fairclimb.arena._task_input import now
from fairclimb.store import ArenaLiveJobs, ArenaStore, LiveJobRecord, Store

__all__ = ["PUBLISH_S", "SharedLiveJobs"]

logger = logging.getLogger(__name__)

PUBLISH_S = 0.25  # the text so far reaches the row (and so the other workers) this often


class _ElsewhereJob(LiveJob):
    """A job another worker runs: refreshed from the database."""

    read_at = 0.0  # when its row was last read (monotonic)


class SharedLiveJobs(LiveJobs):
    """:class:`LiveJobs` whose jobs every worker process can find and stream."""

    def __init__(self, store: Store, data: ArenaStore) -> None:
        super().__init__()
        self._shared = ArenaLiveJobs(store)
        self._data = data

    def new(self, rater_id: int, language: str, kind: str) -> LiveJob:
        job = super().new(rater_id, language, kind)
        started = now()
        self._shared.add(job.id, rater_id, language, kind, started,
                         expired_before=started - timedelta(seconds=self._TTL_S))
        threading.Thread(target=self._publish, args=(job,), name=f"live-text-{job.id[:6]}",
                         daemon=True).start()
        return job

    def get(self, rater_id: int, job_id: str) -> LiveJob:
        try:
            return super().get(rater_id, job_id)
        except ArenaDenied:
            record = self._shared.get(job_id)
            if record is None or record.rater_id != rater_id:
                raise
        job = _ElsewhereJob(record.id, record.rater_id, record.language, record.kind)
        job.read_at = time.monotonic()
        self._fill(job, record)
        return job

    def finish(self, job: LiveJob) -> None:
        """Record how the job ended (its battle, or the sentence saying why none)."""
        try:
            self._shared.finish(job.id, job.battle_id, job.error)
        except Exception:  # this worker still streams it; others will see it expire
            logger.exception("could not record the end of live battle %s", job.id)

    def refresh(self, job: LiveJob) -> None:
        """Bring a job another worker runs up to date (a job of this worker is): its
        row is read at most as often as its owner writes it."""
        if isinstance(job, _ElsewhereJob) and not job.done.is_set():
            if time.monotonic() - job.read_at < PUBLISH_S:
                return
            job.read_at = time.monotonic()
            record = self._shared.get(job.id)
            if record is not None:
                self._fill(job, record)

    def _publish(self, job: LiveJob) -> None:
        """Until the job is done, write each side's text so far to its row when it has
        changed, at most every PUBLISH_S."""
        written: dict[int, str] = {}
        while not job.done.wait(PUBLISH_S):
            texts = _texts(job)
            changed = {side: text for side, text in texts.items() if written.get(side) != text}
            if not changed:
                continue
            try:
                self._shared.set_partial(job.id, changed)
            except Exception:  # this worker still streams it; the others wait for the end
                logger.warning("could not write the text of live battle %s", job.id,
                               exc_info=True)
                continue
            written.update(changed)

    def _fill(self, job: LiveJob, record: LiveJobRecord) -> None:
        if not record.done:
            job.partial.update(record.partial)
            return
        job.error, job.battle_id = record.error, record.battle_id
        battle = self._data.battle(record.battle_id) if record.battle_id else None
        if battle is not None:  # names stay hidden: only the texts are shown
            job.answers.update({0: LiveAnswer("", battle.answer_a, cached=True),
                                1: LiveAnswer("", battle.answer_b, cached=True)})
        elif job.error is None:
            job.error = "the battle of this live task is gone; start another"
        job.done.set()


def _texts(job: LiveJob) -> dict[int, str]:
    """Each side's text so far: what it streamed, or its whole answer (one from the
    cache streams nothing); never the model's name."""
    texts = {side: answer.text for side, answer in list(job.answers.items())}
    texts.update(dict(job.partial))
    return texts
