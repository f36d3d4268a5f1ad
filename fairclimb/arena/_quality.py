"""Quality control: gold checks, flags on raters and votes, and what ratings may count.

Flagged votes are never deleted: they stay in the store and in exports, marked
``excluded`` with their typed reasons (an :class:`Exclusion` and a detail for people),
so a reviewer can audit (and overrule) each decision.

- **Gold battles** pair an answer known to pass its tests with one known to fail; the
  rater's *gold accuracy* is how often they preferred the passing one. Gold votes check
  raters; they are not counted in ratings (their pairs were not drawn by the policy).
- **Fast votes**: less time on the task than ``fast_vote_seconds``.
- **Position bias**: among at least ``min_votes_for_flags`` decisive votes, a share for
  the left answer more than 3.29 standard errors from 1/2 (two-sided p < 0.001).
- **Follows one model**: a model that wins at least 95% of the rater's decisive votes it
  appears in (at least ``min_votes_for_flags / 2`` of them) while the other raters give it
  at most 65%: the rater is voting for a style or a name, not the content.
- **Low gold accuracy**: below 60% on at least 5 gold checks.
- **Informed votes**: a vote on an answer the rater had already seen revealed (its model
  named after an earlier vote) is not anonymous; it is excluded, and a rater whose
  informed votes favour one model (at least 90% of at least 5) is flagged. The arena no
  longer serves a rater an answer twice; this catches older data and imports.
- **Overlapping tasks**: a vote whose task began before the rater's previous one ended
  (concurrent tabs); its time is paid once (see ``_pay``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from fairclimb.arena._battle_io import Battle
from fairclimb.arena._pay import overlapping
from fairclimb.arena._records import ArenaOptions
from fairclimb.data import Excluded, Exclusion, Winner
from fairclimb.store import VoteRow, VoteTiming

__all__ = ["ModelWins", "RaterQuality", "Revealing", "battle_records", "flag_raters",
           "informed_votes", "overlapping", "rater_quality", "vote_timing"]

_Z_POSITION = 3.29
_FOLLOW_SHARE = 0.95
_FOLLOW_OTHERS_MAX = 0.65
_GOLD_MIN = 5
_GOLD_ACCURACY_MIN = 0.6
_DECISIVE = (Winner.MODEL_A.value, Winner.MODEL_B.value)
_INFORMED_MIN = 5
_INFORMED_SHARE = 0.9
_GOLD = Excluded(Exclusion.GOLD_CHECK, "gold check battle")
_INFORMED = Excluded(Exclusion.INFORMED,
                     "the rater had seen one of these answers with its model named")

#: (rater, model) -> [decisive votes the model won, decisive votes it appeared in]: what
#: the follows-one-model and favours-when-informed rules read, counted here vote by vote
#: or by the store's GROUP BY (see ``_stored_board``).
ModelWins = dict[tuple[int, str], list[int]]


class Revealing(Protocol):
    """What the informed rule reads of a vote (a :class:`VoteRow`, or the narrower row
    quality control reads from the store)."""

    @property
    def battle_id(self) -> int: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def sample_a(self) -> int: ...

    @property
    def sample_b(self) -> int: ...


@dataclass
class RaterQuality:
    rater_id: int
    judge: str
    votes: int = 0
    gold_votes: int = 0
    gold_correct: int = 0
    left_votes: int = 0
    decisive: int = 0
    fast_votes: int = 0
    flags: list[Excluded] = field(default_factory=list)  # on the rater: all their votes
    informed: set[int] = field(default_factory=set)  # battle ids of informed votes
    overlaps: int = 0  # votes begun before an earlier task of theirs ended

    @property
    def gold_accuracy(self) -> float | None:
        return self.gold_correct / self.gold_votes if self.gold_votes else None


def rater_quality(votes: Sequence[VoteRow], options: ArenaOptions) -> dict[int, RaterQuality]:
    """Each rater's counts and flags, from all votes."""
    raters: dict[int, RaterQuality] = {}
    follows: ModelWins = {}
    for vote in votes:
        quality = raters.setdefault(vote.rater_id, RaterQuality(vote.rater_id, vote.judge))
        quality.votes += 1
        quality.fast_votes += vote.flag is not None
        if vote.gold_winner is not None:
            quality.gold_votes += 1
            quality.gold_correct += vote.winner == vote.gold_winner
        if vote.winner in _DECISIVE:
            quality.decisive += 1
            quality.left_votes += vote.winner == Winner.MODEL_A
            if vote.gold_winner is None:
                _add_wins(follows, vote)
    by_rater: dict[int, list[VoteRow]] = {}
    for vote in votes:
        by_rater.setdefault(vote.rater_id, []).append(vote)
    informed_wins: ModelWins = {}
    for rater_id, own in by_rater.items():
        quality = raters[rater_id]
        quality.informed = informed_votes(own)
        for vote in own:
            if vote.battle_id in quality.informed and vote.winner in _DECISIVE:
                _add_wins(informed_wins, vote)
        quality.overlaps = len(overlapping(own))
    flag_raters(raters, follows, informed_wins, options)
    return raters


def flag_raters(raters: Mapping[int, RaterQuality], follows: ModelWins,
                informed_wins: ModelWins, options: ArenaOptions) -> None:
    """The rater-level rules, on each rater's counts (however they were counted): fills
    ``flags`` in one order (position, gold, informed favouring, overlaps, follows)."""
    for quality in raters.values():
        quality.flags.extend(_position_bias(quality, options))
        accuracy = quality.gold_accuracy
        if quality.gold_votes >= _GOLD_MIN and accuracy is not None \
                and accuracy < _GOLD_ACCURACY_MIN:
            quality.flags.append(Excluded(
                Exclusion.LOW_GOLD_ACCURACY,
                f"gold accuracy {accuracy:.0%} on {quality.gold_votes} checks"))
    for (rater_id, model), (won, seen) in sorted(informed_wins.items()):
        if rater_id in raters and seen >= _INFORMED_MIN and won / seen >= _INFORMED_SHARE:
            raters[rater_id].flags.append(Excluded(
                Exclusion.FAVOURS_WHEN_INFORMED,
                f"favours {model} when it can tell who wrote an answer: it won {won} of "
                f"{seen} such votes"))
    for quality in raters.values():
        if quality.overlaps:
            quality.flags.append(Excluded(
                Exclusion.OVERLAPPING_TASKS,
                f"{quality.overlaps} tasks overlapped an earlier one (their time is paid "
                "once)"))
    for rater_id, model, share, others in _followers(follows, options):
        if rater_id in raters:
            raters[rater_id].flags.append(Excluded(
                Exclusion.FOLLOWS_MODEL,
                f"follows {model}: it won {share:.0%} of this rater's votes it appeared "
                f"in, {others:.0%} of the other raters'"))


def vote_timing(now: datetime, options: ArenaOptions) -> VoteTiming:
    """The fast-vote rule, applied as the vote is stored: the seconds from serving to
    voting (capped: a tab left open) and, below ``fast_vote_seconds``, the flag's
    detail (any flag at all makes it a fast vote)."""
    def timing(served_at: datetime) -> tuple[float, str | None]:
        seconds = min(max((now - served_at).total_seconds(), 0.0), options.max_task_seconds)
        fast = options.fast_vote_seconds
        return seconds, (f"fast vote ({seconds:.1f} s < {fast:g} s)" if seconds < fast
                         else None)
    return timing


def battle_records(votes: Sequence[VoteRow],
                   quality: dict[int, RaterQuality]) -> list[Battle]:
    """Every vote as a FastChat-format battle, with its weight and any exclusions."""
    return [Battle(
        model_a=vote.model_a, model_b=vote.model_b, winner=Winner(vote.winner),
        tstamp=vote.created_at.timestamp(), judge=vote.judge, language=vote.language,
        category=vote.kind, weight=1.0 / vote.probability if vote.probability > 0 else 1.0,
        exclusions=_exclusions(vote, quality.get(vote.rater_id))) for vote in votes]


def _exclusions(vote: VoteRow, rater: RaterQuality | None) -> tuple[Excluded, ...]:
    reasons = []
    if vote.gold_winner is not None:
        reasons.append(_GOLD)
    if vote.flag is not None:  # the store keeps only fast votes' flags
        reasons.append(Excluded(Exclusion.FAST_VOTE, vote.flag))
    if rater is not None and vote.battle_id in rater.informed:
        reasons.append(_INFORMED)
    if rater is not None:
        reasons.extend(Excluded(f.kind, f"rater flagged: {f.detail}") for f in rater.flags)
    return tuple(reasons)


def _position_bias(quality: RaterQuality, options: ArenaOptions) -> list[Excluded]:
    n = quality.decisive
    if n < options.min_votes_for_flags:
        return []
    share = quality.left_votes / n
    if abs(share - 0.5) / math.sqrt(0.25 / n) <= _Z_POSITION:
        return []
    side = "left" if share > 0.5 else "right"
    return [Excluded(Exclusion.POSITION_BIAS,
                     f"position bias: chose the {side} answer in "
                     f"{max(share, 1 - share):.0%} of {n} decisive votes")]


def _add_wins(wins: ModelWins, vote: VoteRow) -> None:
    winner = vote.model_a if vote.winner == Winner.MODEL_A else vote.model_b
    for model in (vote.model_a, vote.model_b):
        entry = wins.setdefault((vote.rater_id, model), [0, 0])
        entry[0] += model == winner
        entry[1] += 1


def _followers(wins: ModelWins,
               options: ArenaOptions) -> list[tuple[int, str, float, float]]:
    """(rater, model, rater's win share for it, the other raters' share) to flag, from
    non-gold decisive votes' wins."""
    totals: dict[str, list[int]] = {}
    for (_, model), (won, seen) in wins.items():
        entry = totals.setdefault(model, [0, 0])
        entry[0] += won
        entry[1] += seen
    flagged = []
    minimum = max(1, options.min_votes_for_flags // 2)
    for (rater_id, model), (won, seen) in sorted(wins.items()):
        others_seen = totals[model][1] - seen
        if seen < minimum or won / seen < _FOLLOW_SHARE or others_seen < minimum:
            continue
        others = (totals[model][0] - won) / others_seen
        if others <= _FOLLOW_OTHERS_MAX:
            flagged.append((rater_id, model, won / seen, others))
    return flagged


def informed_votes(votes: Sequence[Revealing]) -> set[int]:
    """Battle ids of one rater's votes on an answer already revealed to them (shown in
    one of their earlier votes, whose models were then named)."""
    revealed: set[int] = set()
    informed: set[int] = set()
    for vote in sorted(votes, key=lambda v: (v.created_at, v.battle_id)):
        shown = {vote.sample_a, vote.sample_b} - {0}
        if shown & revealed:
            informed.add(vote.battle_id)
        revealed |= shown
    return informed
