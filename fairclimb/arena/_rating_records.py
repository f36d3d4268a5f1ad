"""The records of a rating: options, each model's rating and interval, the robustness
line and style coefficients (kept apart from the fit in ``_ratings`` so the modules
that read ratings need not import the fitting code)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from fairclimb.arena._bt import FASTCHAT_RIDGE

__all__ = ["CiMethod", "ModelRating", "RatingOptions", "Ratings", "Regularize", "Robustness",
           "StyleCoefficient"]

class CiMethod(StrEnum):
    BOOTSTRAP = "bootstrap"
    SANDWICH = "sandwich"


class Regularize(StrEnum):
    FASTCHAT = "fastchat"
    NONE = "none"


@dataclass(frozen=True)
class RatingOptions:
    """How to rate: interval method and size, filters, anchor, thresholds, seed."""

    bootstrap: int = 1000
    ci: CiMethod = CiMethod.BOOTSTRAP
    category: str | None = None
    language: str | None = None
    anchor: tuple[str, float] | None = None
    min_votes: int = 50
    seed: int = 0
    regularize: Regularize = Regularize.FASTCHAT
    weighted: bool = False
    style: bool = False
    robustness: bool = True
    level: float = 0.95

    @property
    def ridge(self) -> float:
        return FASTCHAT_RIDGE if self.regularize is Regularize.FASTCHAT else 0.0


@dataclass(frozen=True)
class ModelRating:
    model: str
    rating: float
    lower: float
    upper: float
    rank: int
    rank_lower: int
    rank_upper: int
    battles: int
    provisional: bool


@dataclass(frozen=True)
class StyleCoefficient:
    """Rating points gained per standard deviation of a feature's difference (A minus B)."""

    feature: str
    coefficient: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Robustness:
    """Whether dropping the votes that most favour the leader would dethrone it."""

    top: str
    budget: int  # how many votes we allowed ourselves to drop (1% of the battles)
    dropped: int  # the fewest that change the top model, or ``budget`` when none do
    changes_top: bool
    new_top: str
    gap: float
    gap_after: float

    @property
    def sentence(self) -> str:
        if self.changes_top:
            return (f"fragile: dropping the {self.dropped} most influential of the votes "
                    f"(budget {self.budget}) makes {self.new_top} rank first instead of "
                    f"{self.top}")
        return (f"robust: dropping the {self.budget} most influential votes keeps {self.top} "
                f"first (lead {self.gap:.0f} -> {self.gap_after:.0f} points)")


@dataclass(frozen=True)
class Ratings:
    models: tuple[ModelRating, ...]
    n_battles: int
    warnings: tuple[str, ...] = ()
    style: tuple[StyleCoefficient, ...] = ()
    robustness: Robustness | None = None
    options: RatingOptions = field(default_factory=RatingOptions)

    def to_json(self) -> dict[str, Any]:
        """What ``ratings --json`` prints: the models with the warnings and robustness."""
        return {"n_battles": self.n_battles, "models": [asdict(m) for m in self.models],
                "warnings": list(self.warnings),
                "robustness": self.robustness.sentence if self.robustness else None}
