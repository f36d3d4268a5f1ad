"""Battles as columns for the fit: model indices, A's score, weights, and the style
features' standardised differences (apart from the fit, so the style and robustness
fits read it without importing the ratings module that calls them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fairclimb.arena._battle_io import Battle

__all__ = ["BattleTable", "Floats", "feature_differences"]

Floats = NDArray[Any]  # float64 throughout; numpy's stubs widen results


def feature_differences(battles: Sequence[Battle], names: Sequence[str]) -> Floats:
    """Standardised A-minus-B feature differences, (battles, features); missing = 0."""
    a = np.array([[b.features_a.get(n, 0.0) for n in names] for b in battles])
    b = np.array([[b.features_b.get(n, 0.0) for n in names] for b in battles])
    diff = a - b
    for col, name in enumerate(names):
        if name == "length":
            total = a[:, col] + b[:, col]
            diff[:, col] = np.divide(diff[:, col], total, out=np.zeros_like(total),
                                     where=total > 0)
    sd = diff.std(axis=0)
    result: Floats = np.divide(diff, sd, out=np.zeros_like(diff), where=sd > 0)
    return result



@dataclass(frozen=True)
class BattleTable:
    """Battles as columns: model indices, A's score (1, 0.5, 0), weights, style differences."""

    models: tuple[str, ...]
    a: NDArray[np.int64]
    b: NDArray[np.int64]
    score_a: Floats
    weight: Floats
    features: Floats | None = None  # (battles, F) standardised differences A minus B
    feature_names: tuple[str, ...] = ()
    # Rows grouped upstream (the store's GROUP BY): how many identical battles each row
    # stands for; None when every row is one battle. Never with features (style control
    # needs battles one by one).
    count: NDArray[np.int64] | None = None

    @property
    def n_battles(self) -> int:
        return int(self.a.size if self.count is None else self.count.sum())

    def played(self) -> NDArray[np.int64]:
        """Battles per model (either side)."""
        k, n = len(self.models), self.count
        played: NDArray[np.int64] = (np.bincount(self.a, weights=n, minlength=k)
                                     + np.bincount(self.b, weights=n, minlength=k)
                                     ).astype(np.int64)
        return played

    def mean_weight(self) -> float:
        if self.count is None:
            return float(self.weight.mean())
        return float((self.weight * self.count).sum() / self.count.sum())

    @classmethod
    def from_battles(cls, battles: Sequence[Battle]) -> BattleTable:
        models = tuple(sorted({m for b in battles for m in (b.model_a, b.model_b)}))
        index = {m: i for i, m in enumerate(models)}
        names = tuple(sorted({k for b in battles for k in (*b.features_a, *b.features_b)}))
        features = None
        if names:
            features = feature_differences(battles, names)
            varies = features.std(axis=0) > 0  # a constant difference says nothing
            features, names = features[:, varies], tuple(np.array(names)[varies].tolist())
        return cls(
            models=models,
            a=np.array([index[b.model_a] for b in battles], dtype=np.int64),
            b=np.array([index[b.model_b] for b in battles], dtype=np.int64),
            score_a=np.array([b.winner.score_a for b in battles], dtype=np.float64),
            weight=np.array([b.weight for b in battles], dtype=np.float64),
            features=features, feature_names=names)
