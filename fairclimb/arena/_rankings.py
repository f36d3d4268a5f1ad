"""More than pairs: a rater orders N answers to one prompt (ties allowed) and scores
each answer's explanation from 1 to 5, as annotation work for coding models asks.

A ranking becomes pairwise outcomes for the ratings (every pair of the N answers, the
better-ranked one winning, equal ranks a tie; each pair weighted 1 / (N - 1), so a
ranking of N answers counts like N / 2 votes rather than N (N - 1) / 2 dependent ones)
and pairwise preferences for data, through the data part's record gate like any vote.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from fairclimb.arena._battle_io import Battle
from fairclimb.arena._records import AlreadyVoted, ArenaDenied, ArenaOptions, NoBattleAvailable
from fairclimb.data import Excluded, Exclusion, Vote, Winner
from fairclimb.errors import UserInputError
from fairclimb.store import ArenaRankings, ArenaStore, RankingView, Store

__all__ = ["RankingTasks", "ranking_pairs", "ranking_records", "ranking_votes"]

MIN_ANSWERS, MAX_ANSWERS = 3, 5


def ranking_pairs(ranks: Sequence[int]) -> list[tuple[int, int, Winner]]:
    """Every pair (i, j), i < j, of a ranking with its FastChat winner (1 = best)."""
    return [(i, j, Winner.MODEL_A if ranks[i] < ranks[j] else
             Winner.MODEL_B if ranks[i] > ranks[j] else Winner.TIE)
            for i in range(len(ranks)) for j in range(i + 1, len(ranks))]


def ranking_records(views: Sequence[RankingView], fast_seconds: float) -> list[Battle]:
    """Submitted rankings as pairwise battle records for the ratings engine."""
    out = []
    for view in views:
        if view.ranks is None or view.ranked_at is None:
            continue
        exclusions = _exclusions(view, fast_seconds)
        weight = 1.0 / (len(view.ranks) - 1)
        for i, j, winner in ranking_pairs(view.ranks):
            out.append(Battle(
                view.models[i], view.models[j], winner, view.ranked_at.timestamp(),
                view.judge, view.language, view.kind, weight, exclusions))
    return out


def ranking_votes(views: Sequence[RankingView], fast_seconds: float) -> list[Vote]:
    """Submitted rankings as pairwise preferences for the data part (``vote_id`` is
    ``arena-rank:<id>:<i>-<j>``, so importing again adds nothing twice)."""
    out = []
    for view in views:
        if view.ranks is None or view.ranked_at is None:
            continue
        exclusions = _exclusions(view, fast_seconds)
        for i, j, winner in ranking_pairs(view.ranks):
            out.append(Vote(
                prompt=view.prompt, answer_a=view.answers[i], answer_b=view.answers[j],
                model_a=view.models[i], model_b=view.models[j], winner=winner,
                rater=view.judge, seconds=(view.seconds or 0.0) / len(ranking_pairs(
                    view.ranks)), exclusions=exclusions, tstamp=view.ranked_at.isoformat(),
                vote_id=f"arena-rank:{view.id}:{i}-{j}"))
    return out


class RankingTasks:
    """Serve ranking tasks to raters and take their answers."""

    def __init__(self, store: Store, data: ArenaStore, options: ArenaOptions,
                 rng: np.random.Generator, lock: threading.Lock) -> None:
        self.rankings = ArenaRankings(store)
        self.data = data
        self.options = options
        self._rng = rng
        self._lock = lock

    def next(self, rater_id: int, answers: int = MIN_ANSWERS) -> int:
        """The rater's open ranking task, or a new one of *answers* answers by as many
        different models, all to one prompt and none the rater has seen."""
        if not MIN_ANSWERS <= answers <= MAX_ANSWERS:
            raise UserInputError(f"a ranking task has {MIN_ANSWERS} to {MAX_ANSWERS} answers")
        open_id = self.rankings.open_ranking(rater_id)
        if open_id is not None:
            return open_id
        with self._lock:
            chosen = self._draw(rater_id, answers)
            if chosen is None:
                raise NoBattleAvailable(f"no prompt has {answers} answers by different "
                                        "models that you have not seen; the admin must "
                                        "import more")
            prompt_id, samples = chosen
            return self.rankings.add(rater_id, prompt_id, samples, datetime.now(UTC))

    def _draw(self, rater_id: int, n: int) -> tuple[int, list[int]] | None:
        seen = self.data.seen_samples(rater_id) | self.rankings.seen_samples(rater_id)
        hashes = self.data.answer_hashes()
        by_prompt: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for sample_id, prompt_id, model, _ in self.data.sample_pool():
            if sample_id not in seen:
                by_prompt[prompt_id][model].append(sample_id)
        prompts = sorted(p for p, models in by_prompt.items() if len(models) >= n)
        for prompt_id in self._rng.permutation(prompts):
            models = sorted(by_prompt[int(prompt_id)])
            picked = [models[int(k)] for k in self._rng.choice(len(models), n, replace=False)]
            samples = [int(self._rng.choice(by_prompt[int(prompt_id)][m])) for m in picked]
            if len({hashes.get(s, str(s)) for s in samples}) == n:  # no two equal texts
                return int(prompt_id), samples
        return None

    def get(self, viewer_id: int, is_admin: bool, ranking_id: int) -> RankingView:
        view = self.rankings.get(ranking_id)
        if view is None or (view.rater_id != viewer_id and not is_admin):
            raise ArenaDenied("this task is not yours")
        return view

    def submit(self, rater_id: int, ranking_id: int, ranks: Sequence[int],
               explanation: Sequence[int]) -> RankingView:
        view = self.get(rater_id, False, ranking_id)
        n = len(view.sample_ids)
        if len(ranks) != n or any(not 1 <= r <= n for r in ranks):
            raise UserInputError(f"give each of the {n} answers a place from 1 (best) to {n}")
        if len(explanation) != n or any(not 1 <= s <= 5 for s in explanation):
            raise UserInputError("score each answer's explanation from 1 (poor) to 5 (clear)")
        if not self.rankings.submit(ranking_id, rater_id, ranks, explanation,
                                    datetime.now(UTC), self.options.max_task_seconds):
            raise AlreadyVoted("this ranking was already submitted; your first one stands")
        return self.get(rater_id, False, ranking_id)

    def records(self) -> list[Battle]:
        return ranking_records(self.rankings.submitted(), self.options.fast_vote_seconds)

    def votes(self) -> list[Vote]:
        return ranking_votes(self.rankings.submitted(), self.options.fast_vote_seconds)

    def explanation_scores(self) -> dict[str, tuple[float, int]]:
        """Each model's mean explanation score (1-5) and how many answers were scored
        (rankings done too fast to have read the answers are left out)."""
        scores: dict[str, list[int]] = defaultdict(list)
        for view in self.rankings.submitted():
            if _fast(view, self.options.fast_vote_seconds):
                continue
            for model, score in zip(view.models, view.explanation or (), strict=False):
                scores[model].append(score)
        return {m: (float(np.mean(s)), len(s)) for m, s in sorted(scores.items())}


def _exclusions(view: RankingView, fast_seconds: float) -> tuple[Excluded, ...]:
    if not _fast(view, fast_seconds):
        return ()
    return (Excluded(Exclusion.FAST_RANKING, f"fast ranking ({view.seconds:.1f} s)"),)


def _fast(view: RankingView, fast_seconds: float) -> bool:
    """Faster than the fast-vote time per answer: not read, so not counted."""
    return (view.seconds is not None and view.ranks is not None
            and view.seconds < fast_seconds * len(view.ranks))
