"""Why two leaderboards disagree: rank correlation over their shared models (with a
bootstrap interval over models), the models whose rank ranges do not overlap, and how
much of the gap closes when both boards are re-weighted to a common prompt mix
(category and language shares) or rated under style control.

Both boards are rated by the one ratings engine (``compute_ratings``); nothing here fits
a second model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from fairclimb.arena import Battle, ModelRating, RatingOptions, Ratings, compute_ratings
from fairclimb.errors import UserInputError

__all__ = ["BoardComparison", "SideBySide", "compare_boards"]


@dataclass(frozen=True, slots=True)
class SideBySide:
    model: str
    rank_a: int
    rank_a_range: tuple[int, int]
    rank_b: int
    rank_b_range: tuple[int, int]
    rating_a: float
    rating_b: float
    disagree: bool  # the rank ranges do not overlap


@dataclass(frozen=True, slots=True)
class BoardComparison:
    shared: tuple[str, ...]
    kendall: float
    kendall_interval: tuple[float, float]
    spearman: float
    kendall_common_mix: float  # both boards re-weighted to the same prompt mix
    kendall_style_control: float
    models: tuple[SideBySide, ...]

    @property
    def explained_by_mix(self) -> float:
        """Share of the gap (1 - tau) that re-weighting to a common mix closes."""
        return _share(self.kendall, self.kendall_common_mix)

    @property
    def explained_by_style(self) -> float:
        return _share(self.kendall, self.kendall_style_control)

    def to_json(self) -> dict[str, Any]:
        return {"shared_models": list(self.shared), "kendall_tau": self.kendall,
                "kendall_tau_95": list(self.kendall_interval), "spearman_rho": self.spearman,
                "kendall_tau_common_mix": self.kendall_common_mix,
                "kendall_tau_style_control": self.kendall_style_control,
                "gap_explained_by_mix": self.explained_by_mix,
                "gap_explained_by_style": self.explained_by_style,
                "models": [asdict(m) for m in self.models],
                "disagree": [m.model for m in self.models if m.disagree]}


def _share(raw: float, adjusted: float) -> float:
    return 0.0 if raw >= 1.0 else (adjusted - raw) / (1.0 - raw)


def compare_boards(a: Sequence[Battle], b: Sequence[Battle],
                   options: RatingOptions | None = None, seed: int = 0) -> BoardComparison:
    options = options or RatingOptions(bootstrap=200)
    ra, rb = compute_ratings(a, options), compute_ratings(b, options)
    shared = _shared(ra, rb)
    tau, rho = _correlations(ra, rb, shared)
    mix_a, mix_b = _common_mix(a, b)
    weighted = replace(options, weighted=True)
    tau_mix = _correlations(compute_ratings(mix_a, weighted), compute_ratings(mix_b, weighted),
                            shared)[0]
    styled = replace(options, style=True)
    tau_style = _correlations(compute_ratings(a, styled), compute_ratings(b, styled),
                              shared)[0]
    return BoardComparison(shared, tau, _bootstrap_tau(ra, rb, shared, seed), rho, tau_mix,
                           tau_style, _side_by_side(ra, rb, shared))


def _shared(ra: Ratings, rb: Ratings) -> tuple[str, ...]:
    shared = tuple(sorted({m.model for m in ra.models} & {m.model for m in rb.models}))
    if len(shared) < 3:
        raise UserInputError(f"the two boards share {len(shared)} rated models "
                             f"({', '.join(shared) or 'none'}); a rank correlation needs 3")
    return shared


def _ratings(r: Ratings, shared: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
    by = {m.model: m.rating for m in r.models}
    return np.array([by.get(m, np.nan) for m in shared], dtype=np.float64)


def _correlations(ra: Ratings, rb: Ratings, shared: Sequence[str]) -> tuple[float, float]:
    from scipy import stats  # here: scipy.stats costs seconds at every CLI start-up

    x, y = _ratings(ra, shared), _ratings(rb, shared)
    keep = ~(np.isnan(x) | np.isnan(y))
    return (float(stats.kendalltau(x[keep], y[keep]).statistic),
            float(stats.spearmanr(x[keep], y[keep]).statistic))


def _bootstrap_tau(ra: Ratings, rb: Ratings, shared: Sequence[str], seed: int,
                   rounds: int = 1000) -> tuple[float, float]:
    """Percentile interval of Kendall's tau over shared models resampled with
    replacement (seeded): how much the agreement depends on which models are shared."""
    from scipy import stats

    x, y = _ratings(ra, shared), _ratings(rb, shared)
    rng = np.random.default_rng(seed)
    taus = []
    for _ in range(rounds):
        pick = rng.integers(0, len(shared), len(shared))
        if len(set(pick.tolist())) >= 2:
            value = stats.kendalltau(x[pick], y[pick]).statistic
            if np.isfinite(value):
                taus.append(float(value))
    low, high = np.percentile(taus, [2.5, 97.5]) if taus else (np.nan, np.nan)
    return float(low), float(high)


def _common_mix(a: Sequence[Battle], b: Sequence[Battle]) -> tuple[list[Battle], list[Battle]]:
    """Each battle weighted by common share / own share of its (category, language):
    both boards then rate the same prompt mix (the average of the two)."""
    def key(battle: Battle) -> tuple[str, str]:
        return battle.category or "", battle.language or ""

    count_a, count_b = Counter(map(key, a)), Counter(map(key, b))
    share_a = {k: n / len(a) for k, n in count_a.items()}
    share_b = {k: n / len(b) for k, n in count_b.items()}
    common = {k: (share_a.get(k, 0.0) + share_b.get(k, 0.0)) / 2 for k in share_a | share_b}

    def weigh(battles: Sequence[Battle], own: dict[tuple[str, str], float]) -> list[Battle]:
        return [replace(x, weight=x.weight * common[key(x)] / own[key(x)]) for x in battles]

    return weigh(a, share_a), weigh(b, share_b)


def _side_by_side(ra: Ratings, rb: Ratings, shared: Sequence[str]) -> tuple[SideBySide, ...]:
    by_a: dict[str, ModelRating] = {m.model: m for m in ra.models}
    by_b: dict[str, ModelRating] = {m.model: m for m in rb.models}
    rows = []
    for model in shared:
        x, y = by_a[model], by_b[model]
        apart = x.rank_upper < y.rank_lower or y.rank_upper < x.rank_lower
        rows.append(SideBySide(model, x.rank, (x.rank_lower, x.rank_upper), y.rank,
                               (y.rank_lower, y.rank_upper), x.rating, y.rating, apart))
    return tuple(sorted(rows, key=lambda r: r.rank_a))
