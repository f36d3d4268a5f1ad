"""The arena audited against the Leaderboard Illusion (Singh et al., 2025): per provider,
how many variants were tested privately and how many published, each model's share of
battles against the equal share, and how much a published model's rating is expected to
be inflated by its provider having picked the best of N variants.

The inflation is simulated, not fitted: under the null that the provider's N variants
are equally good, each observed rating is the true one plus noise of the width its
interval shows; the expected maximum of N such noises (seeded numpy Generator) is what
selection alone adds. The rank "without selection" re-ranks the published models with
each one's inflation taken off. It cannot prove a provider selected; it shows what
selection could have bought.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from fairclimb.arena import Arena, ModelRating, RatingOptions, Visibility, compute_ratings

__all__ = ["ArenaAudit", "ModelAudit", "ProviderAudit", "audit_arena", "best_of_n_inflation"]

_Z95 = 1.959963984540054
_DRAWS = 20_000


@dataclass(frozen=True, slots=True)
class ModelAudit:
    model: str
    provider: str
    hidden: bool
    battles: int
    votes: int
    battle_share: float  # of all battle slots (two per battle)
    equal_share: float  # 1 / number of models
    rating: float | None
    lower: float | None
    upper: float | None
    rank: int | None  # among published models, as rated
    inflation: float | None  # expected best-of-N gain (published models)
    rank_without_selection: int | None


@dataclass(frozen=True, slots=True)
class ProviderAudit:
    provider: str
    tested: int
    published: int
    hidden: int
    battle_share: float
    equal_share: float


@dataclass(frozen=True, slots=True)
class ArenaAudit:
    providers: tuple[ProviderAudit, ...]
    models: tuple[ModelAudit, ...]
    max_private_variants: int
    seed: int

    def to_json(self) -> dict[str, Any]:
        return {"providers": [asdict(p) for p in self.providers],
                "models": [asdict(m) for m in self.models],
                "policy": {"max_private_variants": self.max_private_variants},
                "seed": self.seed}


def best_of_n_inflation(sds: list[float], rng: np.random.Generator,
                        draws: int = _DRAWS) -> float:
    """Expected max of one noise draw per variant (sd each), minus the mean noise (0):
    what picking the best of these variants adds to the published rating."""
    if len(sds) <= 1:
        return 0.0
    noise = rng.standard_normal((draws, len(sds))) * np.asarray(sds)
    return float(noise.max(axis=1).mean())


def audit_arena(arena: Arena, seed: int = 0) -> ArenaAudit:
    visibility = Visibility(arena.data)
    providers, hidden = visibility.providers(), visibility.hidden_models()
    ratings = compute_ratings(arena.rating_battles(), RatingOptions())
    rated = {m.model: m for m in ratings.models}
    battles = arena.data.battles_per_model()
    votes: Counter[str] = Counter()
    for vote in arena.data.votes():
        votes.update((vote.model_a, vote.model_b))
    slots = sum(battles.values()) or 1
    equal = 1 / len(providers) if providers else 0.0
    rng = np.random.default_rng(seed)
    inflation = _inflations(providers, hidden, rated, rng)
    published = sorted((m for m in rated if m not in hidden), key=lambda m: -rated[m].rating)
    rank = {m: i + 1 for i, m in enumerate(published)}
    corrected = sorted(published, key=lambda m: -(rated[m].rating - inflation.get(m, 0.0)))
    rank_plain = {m: i + 1 for i, m in enumerate(corrected)}
    models = tuple(_model(m, providers[m], m in hidden, battles.get(m, 0), votes[m],
                          slots, equal, rated.get(m), rank.get(m), inflation.get(m),
                          rank_plain.get(m)) for m in sorted(providers))
    by_provider = tuple(_provider(p, [m for m in models if m.provider == p], equal)
                        for p in sorted(set(providers.values())))
    return ArenaAudit(by_provider, models, visibility.max_private_variants(), seed)


def _inflations(providers: dict[str, str], hidden: set[str], rated: dict[str, ModelRating],
                rng: np.random.Generator) -> dict[str, float]:
    """Per published rated model: the best-of-N inflation over its provider's rated
    variants (published and hidden), each with its own interval's sd."""
    out = {}
    for model in sorted(rated):
        if model in hidden or model not in providers:
            continue
        variants = [m for m in sorted(rated) if providers.get(m) == providers[model]]
        sds = [(rated[m].upper - rated[m].lower) / (2 * _Z95) for m in variants]
        out[model] = best_of_n_inflation(sds, rng)
    return out


def _model(model: str, provider: str, hidden: bool, battles: int, votes: int, slots: int,
           equal: float, rating: ModelRating | None, rank: int | None,
           inflation: float | None, rank_plain: int | None) -> ModelAudit:
    return ModelAudit(model, provider, hidden, battles, votes, battles / slots, equal,
                      rating.rating if rating else None, rating.lower if rating else None,
                      rating.upper if rating else None, rank, inflation, rank_plain)


def _provider(provider: str, models: list[ModelAudit], equal: float) -> ProviderAudit:
    hidden = sum(m.hidden for m in models)
    return ProviderAudit(provider, len(models), len(models) - hidden, hidden,
                         sum(m.battle_share for m in models), equal * len(models))
