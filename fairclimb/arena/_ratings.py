"""Arena ratings: Bradley-Terry MLE on FastChat's scale, with intervals and rank ranges.

What is matched in FastChat (fschat 0.2.36, ``compute_elo_mle_with_tie``): it fits
sklearn's ``LogisticRegression()`` (L2 penalty, C=1, no intercept) on every battle
duplicated (a win counts twice for the winner, a tie once each way) with features
±ln(10), and reports ``400*coef + 1000``. That is Bradley-Terry with ties counting half
plus a ridge of ``1/(2 ln(10)^2)`` ≈ 0.094 per model in log-odds units, which also pins
the mean rating at 1000. ``Regularize.FASTCHAT`` (the default) uses exactly that ridge,
so the two agree to well within a point; ``Regularize.NONE`` is the plain MLE. (FastChat
re-anchors on ``llama-13b`` = 800 when that model is present; we anchor only on request.)

Intervals: the bootstrap redraws every (pair, outcome) cell's count as Poisson(count)
— the Poisson bootstrap, which matches resampling battles with replacement as the
number of battles grows — and takes percentiles; the sandwich interval is
``MLE ± z*sqrt(diag(H^-1 B H^-1))`` with ``B`` the empirical variance of the per-battle
scores, robust to ties and weights. With ``weighted``, each battle counts with its
weight (the inverse of the probability its pair was drawn, rescaled so weights average
1), correcting ratings for uneven pair sampling; the bootstrap then treats battles in
one cell as carrying that cell's mean weight.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import NormalDist
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from fairclimb.arena._battle_columns import Labels, no_battles, read_battle_columns
from fairclimb.arena._battle_io import Battle, read_battles
from fairclimb.arena._battle_table import BattleTable, Floats
from fairclimb.arena._bt import (
    POINTS,
    Cells,
    aggregate,
    chord_inverse,
    components,
    fit,
    information,
    score_variance,
    unbeaten_or_winless,
)
from fairclimb.arena._rating_records import (
    CiMethod,
    ModelRating,
    RatingOptions,
    Ratings,
    Regularize,
    Robustness,
    StyleCoefficient,
)
from fairclimb.arena._robust import check_robustness
from fairclimb.arena._style import fit_style
from fairclimb.errors import UserInputError

__all__ = [
    "BattleSource",
    "BattleTable",
    "CiMethod",
    "ModelRating",
    "RatingOptions",
    "Ratings",
    "Regularize",
    "Robustness",
    "StyleCoefficient",
    "compute_ratings",
    "parse_anchor",
    "rate_battle_file",
    "rate_grouped",
    "rate_table",
    "ratings_from_store",
]

# When the data has no finite MLE and no ridge was asked for, this one keeps the numbers
# bounded (a prior of sd ~1 log-odds unit, ~174 points); a warning says it was used.
DEGENERATE_RIDGE = 1.0
_CHUNK_CELLS = 4_000_000  # rounds x K^2 per batched chunk: bounds memory (~32 MB)


class BattleSource(Protocol):
    """Where stored arena votes come from (the arena's store repository implements it)."""

    def rating_battles(self) -> Sequence[Battle]:
        """Every recorded vote as a battle; flagged votes carry ``excluded=True``."""
        ...

    def rating_table(self, category: str | None, language: str | None
                     ) -> tuple[BattleTable | None, int]:
        """The battles that count, of one category and language if given, as a table
        of grouped rows (None if none counts), and how many battles there are in all."""
        ...


def ratings_from_store(source: BattleSource, options: RatingOptions) -> Ratings:
    """Rate the arena's stored votes (flagged ones are excluded, as in any battle list):
    read grouped, unless style control needs the battles one by one."""
    if options.style:
        battles = source.rating_battles()
        if not battles:
            raise _no_votes()
        return compute_ratings(battles, options)
    table, given = source.rating_table(options.category, options.language)
    if not given:
        raise _no_votes()
    if table is None:
        raise _nothing_kept()
    # Grouped rows (one per model pair, winner and weight, with a count) make the same
    # pair cells as the battles one by one; the bootstrap redraws each cell's count
    # as Poisson(count), which reads the cells only, so resampling grouped rows is
    # resampling battles: the same intervals, seed for seed.
    return _rated(table, given, options)


def rate_grouped(table: BattleTable, options: RatingOptions) -> Ratings:
    """Rate a table of battles that all count (grouped rows or one by one)."""
    return _rated(table, table.n_battles, options)


def _no_votes() -> UserInputError:
    return UserInputError("the arena has no votes yet; collect some with `fairclimb "
                          "arena serve`, or rate a battle file with --battles FILE")


def _nothing_kept() -> UserInputError:
    return UserInputError("no battles left to rate; check --category/--language "
                          "(they must match the battles' values exactly)")


def compute_ratings(battles: Sequence[Battle], options: RatingOptions) -> Ratings:
    """Filter battles (exclusions, category, language) and rate what is left."""
    keep = _kept(np.array([b.excluded for b in battles], dtype=bool),
                 Labels.of([b.category for b in battles]),
                 Labels.of([b.language for b in battles]), options)
    kept = [b for b, k in zip(battles, keep.tolist(), strict=True) if k]
    return _rated(BattleTable.from_battles(kept), len(battles), options)


def rate_battle_file(path: Path, options: RatingOptions) -> Ratings:
    """Rate a battle file: JSONL or Parquet read as columns, else (a JSON list, answers
    for style control) battle by battle; the same filters and fit either way."""
    columns = read_battle_columns(path)
    if columns is None:
        battles = read_battles(path)
        if not battles:
            raise no_battles(path)
        return compute_ratings(battles, options)
    keep = _kept(columns.excluded, columns.category, columns.language, options)
    a, b = columns.a[keep], columns.b[keep]
    used = np.zeros(len(columns.models), dtype=bool)
    used[a] = used[b] = True
    index = np.cumsum(used) - 1  # the models left, still in name order
    models = tuple(m for m, u in zip(columns.models, used.tolist(), strict=True) if u)
    table = BattleTable(models, index[a], index[b], columns.score_a[keep], columns.weight[keep])
    return _rated(table, len(columns), options)


def _kept(excluded: NDArray[np.bool_], category: Labels, language: Labels,
          options: RatingOptions) -> NDArray[np.bool_]:
    """Which battles count: not flagged, and of the asked category and language."""
    keep = ~excluded
    if options.category is not None:
        keep &= category.equals(options.category)
    if options.language is not None:
        keep &= language.equals(options.language)
    if not keep.any():
        raise _nothing_kept()
    return keep


def _rated(table: BattleTable, given: int, options: RatingOptions) -> Ratings:
    notes = []
    if table.n_battles < given:
        notes.append(f"{given - table.n_battles} of {given} battles left out "
                     "(flagged votes, or outside the category/language filter)")
    ratings = rate_table(table, options, np.random.default_rng(options.seed))
    return Ratings(ratings.models, ratings.n_battles, (*notes, *ratings.warnings),
                   ratings.style, ratings.robustness, options)


def rate_table(table: BattleTable, options: RatingOptions, rng: np.random.Generator) -> Ratings:
    """Fit, interval, rank and check one table of battles."""
    # One BLAS thread: OpenBLAS's own threads on these small solves are ~25x slower on a
    # busy machine; the bootstrap runs two chunks at a time instead.
    with threadpool_limits(limits=1, user_api="blas"):
        return _rate_table(table, options, rng)


def _rate_table(table: BattleTable, options: RatingOptions, rng: np.random.Generator
                ) -> Ratings:
    k = len(table.models)
    if k < 2:
        raise UserInputError("ratings need battles between at least two models")
    anchor = _anchor_index(table.models, options.anchor)
    weight = table.weight / table.mean_weight() if options.weighted else np.ones_like(
        table.weight)
    cells = aggregate(k, table.a, table.b, table.score_a, weight, table.count)
    warnings, ridge = _degenerate(cells, table.models, options.ridge)
    beta, _ = fit(cells, cells.score[None], cells.total[None], ridge, np.zeros((1, k)))
    style: tuple[StyleCoefficient, ...] = ()
    styled = options.style and table.features is not None
    if options.style and not styled:
        warnings.append("style control asked for, but no battle carries answer features "
                        "(features_a/features_b or answer_a/answer_b); plain ratings shown")
    if styled:
        beta_s, cov, style = fit_style(table, weight, ridge, options.level)
        beta, lower, upper = _sandwich_bounds(beta_s, cov, anchor, options)
        warnings.append("style control: ratings are net of the style features; intervals "
                        "are sandwich intervals")
    elif options.ci is CiMethod.SANDWICH:
        cov = _sandwich(cells, beta[0], ridge)
        beta, lower, upper = _sandwich_bounds(beta[0], cov, anchor, options)
    else:
        lower, upper, failed = _bootstrap(cells, beta, ridge, anchor, options, rng)
        beta = _to_points(beta, anchor, options)[0]
        if failed:
            warnings.append(f"{failed} of {options.bootstrap} bootstrap rounds did not "
                            "converge (a resample where some model never lost)")
    played = table.played()
    robustness = None
    if options.robustness and not styled:
        robustness = check_robustness(cells, table.models, ridge)
    models = _ranked(table.models, beta, lower, upper, played, options.min_votes)
    return Ratings(models, table.n_battles, tuple(warnings), style, robustness, options)


def _anchor_index(models: Sequence[str], anchor: tuple[str, float] | None) -> int | None:
    if anchor is None:
        return None
    if anchor[0] not in models:
        raise UserInputError(f"--anchor names {anchor[0]!r}, which has no battles here; "
                             f"models: {', '.join(models)}")
    return list(models).index(anchor[0])


def _degenerate(cells: Cells, models: Sequence[str], ridge: float) -> tuple[list[str], float]:
    warnings = []
    groups = components(cells)
    if len(groups) > 1:
        listed = "; ".join(", ".join(models[m] for m in g) for g in groups)
        warnings.append(f"the comparison graph is disconnected ({listed}): ratings across "
                        "these groups are set by the ridge, not by votes")
    unbeaten, winless = unbeaten_or_winless(cells)
    for names, what in ((unbeaten, "never lost"), (winless, "never won")):
        if names:
            warnings.append(f"{', '.join(models[m] for m in names)} {what}: the MLE is "
                            "infinite there; the rating is held finite by the ridge and "
                            "its interval is open-ended in truth")
    if warnings and ridge == 0:
        warnings.append(f"a ridge of {DEGENERATE_RIDGE} log-odds units was added to keep "
                        "ratings finite")
        ridge = DEGENERATE_RIDGE
    return warnings, ridge


def _to_points(beta: Floats, anchor: int | None, options: RatingOptions) -> Floats:
    """Strengths (rounds, K) to ratings: mean 1000, or the anchor model at its rating."""
    if anchor is None or options.anchor is None:
        seen = ~np.isnan(beta)  # a bootstrap round may miss a model, or (tiny data) all
        mean = np.where(seen, beta, 0.0).sum(axis=1, keepdims=True) / np.maximum(
            seen.sum(axis=1, keepdims=True), 1)
        result: Floats = POINTS * (beta - mean) + 1000.0
        return result
    shifted: Floats = POINTS * (beta - beta[:, anchor:anchor + 1]) + options.anchor[1]
    return shifted


def _bootstrap(cells: Cells, beta: Floats, ridge: float, anchor: int | None,
               options: RatingOptions, rng: np.random.Generator) -> tuple[Floats, Floats, int]:
    rounds = options.bootstrap
    if rounds < 2:
        raise UserInputError("--bootstrap needs at least 2 rounds (or use --ci sandwich)")
    k = cells.n_models
    chunk = max(1, min(rounds, _CHUNK_CELLS // (k * k)))
    sizes = [min(chunk, rounds - s) for s in range(0, rounds, chunk)]
    counts = np.stack([cells.raw[:, 0], cells.raw[:, 1], cells.raw[:, 2]]).astype(np.float64)
    per_battle = np.stack([cells.wins_i, cells.wins_j, cells.ties]) / counts.clip(min=1)
    boot_ridge = ridge if ridge > 0 else 1e-6
    chord = chord_inverse(cells, beta[0], boot_ridge)

    def one_chunk(size: int, gen: np.random.Generator) -> tuple[Floats, int]:
        drawn = gen.poisson(counts, size=(size, *counts.shape)) * per_battle
        score, total = drawn[:, 0] + 0.5 * drawn[:, 2], drawn.sum(axis=1)
        start = np.repeat(beta, size, axis=0)
        fitted, converged = fit(cells, score, total, boot_ridge, start, chord=chord)
        seen = _seen(cells, total)
        fitted[~seen] = np.nan
        return _to_points(fitted, anchor, options), int((~converged).sum())

    with ThreadPoolExecutor(2) as pool:  # numpy's RNG and LAPACK free the GIL
        parts = list(pool.map(one_chunk, sizes, rng.spawn(len(sizes))))
    samples = np.concatenate([p for p, _ in parts])
    tail = 50 * (1 - options.level)
    lower, upper = np.nanpercentile(samples, [tail, 100 - tail], axis=0)
    return lower, upper, sum(f for _, f in parts)


def _seen(cells: Cells, total: Floats) -> NDArray[np.bool_]:
    """Which models have any battle in each round: (rounds, K)."""
    rounds, k = total.shape[0], cells.n_models
    offset = (np.arange(rounds) * k)[:, None]
    has = (total > 0).astype(np.float64)
    degree = (np.bincount((offset + cells.i).ravel(), has.ravel(), minlength=rounds * k)
              + np.bincount((offset + cells.j).ravel(), has.ravel(), minlength=rounds * k))
    seen: NDArray[np.bool_] = degree.reshape(rounds, k) > 0
    return seen


def _sandwich(cells: Cells, beta: Floats, ridge: float) -> Floats:
    """Robust covariance of the strengths, in the sum-zero gauge."""
    k = cells.n_models
    hess = information(cells, beta, ridge) + (0.0 if ridge > 0 else 1.0 / k)
    inv = np.linalg.inv(hess)
    centre = np.eye(k) - 1.0 / k
    cov: Floats = centre @ inv @ score_variance(cells, beta) @ inv @ centre
    return cov


def _sandwich_bounds(beta: Floats, cov: Floats, anchor: int | None,
                     options: RatingOptions) -> tuple[Floats, Floats, Floats]:
    k = beta.size
    ref = np.eye(k) - (1.0 / k if anchor is None else np.eye(k)[[anchor] * k])
    sd = POINTS * np.sqrt(np.clip(np.einsum("ij,jk,ik->i", ref, cov, ref), 0, None))
    points = _to_points(beta[None], anchor, options)[0]
    z = NormalDist().inv_cdf(0.5 + options.level / 2)
    return points, points - z * sd, points + z * sd


def _ranked(models: Sequence[str], rating: Floats, lower: Floats, upper: Floats,
            played: NDArray[np.int64], min_votes: int) -> tuple[ModelRating, ...]:
    """Rank = 1 + models whose interval lies wholly above; worst = 1 + those that may be.

    A provisional model's interval is not to be trusted (6 wins in 6 battles gave a
    narrow one at the top): its rank range is the whole field, never a closed one.
    """
    rows = []
    for i, name in enumerate(models):
        above = int(np.sum(lower > upper[i]))
        maybe = int(np.sum(upper >= lower[i])) - 1  # not wholly below, minus itself
        provisional = bool(played[i] < min_votes)
        rows.append(ModelRating(
            model=name, rating=float(rating[i]), lower=float(lower[i]),
            upper=float(upper[i]), rank=1 + above,
            rank_lower=1 if provisional else 1 + above,
            rank_upper=len(models) if provisional else 1 + max(above, maybe),
            battles=int(played[i]), provisional=provisional))
    return tuple(sorted(rows, key=lambda r: (-r.rating, r.model)))


def parse_anchor(text: str) -> tuple[str, float]:
    """``MODEL=RATING`` from the command line."""
    name, sep, value = text.rpartition("=")
    try:
        rating = float(value)
    except ValueError:
        rating = math.nan
    if not sep or not name or not math.isfinite(rating):
        raise UserInputError(f"--anchor {text!r} must look like MODEL=RATING, e.g. gpt-4=1200")
    return name, rating
