"""The vocabulary of a human judgement: who won, and why a vote does not count.

One typed shape from the form to the exports: the arena stores a :class:`Winner`, quality
control attaches :class:`Excluded` reasons (an :class:`Exclusion` kind that code decides
on, and a ``detail`` sentence only people read), and :class:`~fairclimb.data.Vote`, the
leaderboard and the battle files carry them unchanged. Rewording a detail changes nothing
that is counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Excluded", "Exclusion", "Winner", "exclusion_text"]


class Winner(StrEnum):
    """The outcome of a battle, spelt as in FastChat's battle files."""

    MODEL_A = "model_a"
    MODEL_B = "model_b"
    TIE = "tie"
    TIE_BOTHBAD = "tie (bothbad)"

    @property
    def score_a(self) -> float:
        """Model A's share of the win: ties count half."""
        return {"model_a": 1.0, "model_b": 0.0}.get(self.value, 0.5)

    @property
    def decisive(self) -> bool:
        return self in (Winner.MODEL_A, Winner.MODEL_B)

    @property
    def short(self) -> str:
        """The votes file's spelling (``a``, ``b``, ``tie``, ``both_bad``): records made
        from votes keep it, so their content hashes do not change."""
        return _SHORT[self]

    @classmethod
    def parse(cls, text: str) -> Winner:
        """Either spelling; ``ValueError`` for anything else."""
        return cls(_FROM_SHORT.get(text, text))


_SHORT = {Winner.MODEL_A: "a", Winner.MODEL_B: "b", Winner.TIE: "tie",
          Winner.TIE_BOTHBAD: "both_bad"}
_FROM_SHORT = {short: winner.value for winner, short in _SHORT.items()}


class Exclusion(StrEnum):
    """Why a vote is kept for audit but not counted (in ratings or as training data)."""

    GOLD_CHECK = "gold_check"  # a known-answer battle: it checks the rater
    FAST_VOTE = "fast_vote"  # less time on the task than the arena's threshold
    FAST_RANKING = "fast_ranking"
    INFORMED = "informed"  # the rater had seen one of the answers with its model named
    POSITION_BIAS = "position_bias"  # the rest are flags on the rater, on all their votes
    LOW_GOLD_ACCURACY = "low_gold_accuracy"
    OVERLAPPING_TASKS = "overlapping_tasks"
    FOLLOWS_MODEL = "follows_model"
    FAVOURS_WHEN_INFORMED = "favours_when_informed"
    MARKED = "marked"  # an imported file said so (``excluded`` / ``flagged``)

    @property
    def label(self) -> str:
        """What the leaderboard's summary calls votes left out for this reason."""
        return _LABELS[self]

    @property
    def rater_flag(self) -> bool:
        """A flag on the rater (every vote of theirs is excluded), not on one vote."""
        return self in _RATER_FLAGS


_LABELS = {
    Exclusion.GOLD_CHECK: "gold check battle",
    Exclusion.FAST_VOTE: "fast vote",
    Exclusion.FAST_RANKING: "fast ranking",
    Exclusion.INFORMED: "informed vote",
    Exclusion.POSITION_BIAS: "rater flagged: position bias",
    Exclusion.LOW_GOLD_ACCURACY: "rater flagged: gold accuracy",
    Exclusion.OVERLAPPING_TASKS: "rater flagged: overlapping tasks",
    Exclusion.FOLLOWS_MODEL: "rater flagged: follows one model",
    Exclusion.FAVOURS_WHEN_INFORMED: "rater flagged: favours a model when informed",
    Exclusion.MARKED: "marked excluded",
}
_RATER_FLAGS = frozenset({Exclusion.POSITION_BIAS, Exclusion.LOW_GOLD_ACCURACY,
                          Exclusion.OVERLAPPING_TASKS, Exclusion.FOLLOWS_MODEL,
                          Exclusion.FAVOURS_WHEN_INFORMED})


@dataclass(frozen=True, slots=True)
class Excluded:
    """One reason a vote does not count: ``kind`` decides, ``detail`` explains."""

    kind: Exclusion
    detail: str = ""

    @property
    def text(self) -> str:
        return self.detail or self.kind.label


def exclusion_text(exclusions: tuple[Excluded, ...]) -> str:
    """The reasons as one line for people (never parsed back)."""
    return "; ".join(e.text for e in exclusions)
