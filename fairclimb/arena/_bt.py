"""Bradley-Terry maximum likelihood on per-pair counts, batched across bootstrap rounds.

Battles are collapsed into one cell per unordered pair of models: the (weighted) score
of the lower-indexed model ``s`` (a win counts 1, a tie 1/2) out of ``n`` battles. The
log-likelihood is ``sum s*log(p) + (n-s)*log(1-p)`` with ``p = sigmoid(beta_i - beta_j)``,
minus ``ridge/2 * |beta|^2``. Newton's method on it needs one KxK solve per step, and
every array here carries a leading axis of rounds so a whole chunk of bootstrap rounds
is fitted at once.

Strengths ``beta`` are in natural-log-odds units; :data:`POINTS` converts them to
FastChat's scale (400 points per factor of 10 in odds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FASTCHAT_RIDGE",
    "POINTS",
    "Cells",
    "aggregate",
    "chord_inverse",
    "components",
    "fit",
    "information",
    "score_variance",
    "unbeaten_or_winless",
]

Floats = NDArray[Any]  # float64 throughout; numpy's stubs widen results
Ints = NDArray[np.int64]

POINTS = 400 / math.log(10)
# FastChat's compute_elo_mle_with_tie fits sklearn's LogisticRegression (L2, C=1) on
# every battle duplicated (a tie as one A-win row and one B-win row), on features
# ±ln(10), so it minimises 2*NLL(beta) + |beta|^2 / (2*ln(10)^2): our ridge below.
FASTCHAT_RIDGE = 1 / (2 * math.log(10) ** 2)


@dataclass(frozen=True)
class Cells:
    """Battles collapsed per unordered pair ``i < j`` (models indexed by position)."""

    n_models: int
    i: Ints
    j: Ints
    wins_i: Floats  # weighted counts per outcome
    wins_j: Floats
    ties: Floats
    raw: NDArray[np.int64]  # (pairs, 3): unweighted battle counts (i wins, j wins, ties)
    weight_sq: Floats  # (pairs, 3): sum of squared weights, for the sandwich

    @property
    def score(self) -> Floats:
        return self.wins_i + 0.5 * self.ties

    @property
    def total(self) -> Floats:
        return self.wins_i + self.wins_j + self.ties


def aggregate(n_models: int, a: Ints, b: Ints, score_a: Floats, weight: Floats,
              count: Ints | None = None) -> Cells:
    """Collapse battles (model indices, A's score 1/0.5/0, weight) into pair cells; with
    *count*, each row stands for that many identical battles (rows already grouped, e.g.
    by the database), and the cells are those of the battles one by one."""
    swap = a > b
    lo, hi = np.where(swap, b, a), np.where(swap, a, b)
    score_lo = np.where(swap, 1.0 - score_a, score_a)
    outcome = np.where(score_lo == 1.0, 0, np.where(score_lo == 0.0, 1, 2))
    key = (lo * n_models + hi) * 3 + outcome
    size = n_models * n_models * 3
    if count is None:
        raw = np.bincount(key, minlength=size).reshape(-1, 3)
        wsum = np.bincount(key, weights=weight, minlength=size).reshape(-1, 3)
        wsq = np.bincount(key, weights=weight * weight, minlength=size).reshape(-1, 3)
    else:
        n = count.astype(np.float64)  # integers below 2**53: the sums stay exact
        raw = np.bincount(key, weights=n, minlength=size).astype(np.int64).reshape(-1, 3)
        wsum = np.bincount(key, weights=weight * n, minlength=size).reshape(-1, 3)
        wsq = np.bincount(key, weights=weight * weight * n, minlength=size).reshape(-1, 3)
    pairs = np.flatnonzero(raw.sum(axis=1))
    return Cells(n_models=n_models, i=pairs // n_models, j=pairs % n_models,
                 wins_i=wsum[pairs, 0], wins_j=wsum[pairs, 1], ties=wsum[pairs, 2],
                 raw=raw[pairs], weight_sq=wsq[pairs])


def _flat_index(cells: Cells, rounds: int) -> tuple[Ints, Ints]:
    """Positions of each (round, pair)'s models i and j in a flattened (rounds, K) array."""
    offset = (np.arange(rounds) * cells.n_models)[:, None]
    return (offset + cells.i).ravel(), (offset + cells.j).ravel()


def _scatter(cells: Cells, values: Floats, index: tuple[Ints, Ints] | None = None) -> Floats:
    """Per-model sums of per-pair values (+ to i, - to j), for each round (row)."""
    rounds, k = values.shape[0], cells.n_models
    # Rows are the first ``rounds`` of whatever batch ``index`` was built for.
    flat_i, flat_j = index if index is not None else _flat_index(cells, rounds)
    size = rounds * cells.i.size
    plus = np.bincount(flat_i[:size], values.ravel(), minlength=rounds * k)
    minus = np.bincount(flat_j[:size], values.ravel(), minlength=rounds * k)
    result: Floats = (plus - minus).reshape(rounds, k)
    return result


def _laplacian(cells: Cells, w: Floats, ridge: float) -> Floats:
    """``sum w_ij (e_i - e_j)(e_i - e_j)^T + ridge*I`` for each round: (rounds, K, K)."""
    rounds, k = w.shape[0], cells.n_models
    flat = np.zeros((rounds, k * k))
    flat[:, cells.i * k + cells.j] = -w
    flat[:, cells.j * k + cells.i] = -w
    offset = (np.arange(rounds) * k)[:, None]
    degree = (np.bincount((offset + cells.i).ravel(), w.ravel(), minlength=rounds * k)
              + np.bincount((offset + cells.j).ravel(), w.ravel(), minlength=rounds * k))
    flat[:, np.arange(k) * (k + 1)] = degree.reshape(rounds, k) + ridge
    return flat.reshape(rounds, k, k)


def _sigmoid(x: Floats) -> Floats:
    result: Floats = 0.5 * (1.0 + np.tanh(0.5 * x))  # stable for any x
    return result


def fit(cells: Cells, score: Floats, total: Floats, ridge: float, start: Floats,
        max_iter: int = 100, tol: float = 1e-7, chord: Floats | None = None
        ) -> tuple[Floats, NDArray[np.bool_]]:
    """Newton's method for each round (row of ``score``/``total``); returns (beta, converged).

    Without a ridge, the sum of ``beta`` is fixed at zero by adding ``11^T`` to the
    Hessian: the gradient is orthogonal to ``1``, so the step is the minimum-norm one. A
    step is capped at 4 log-odds units so data on which the MLE does not exist (a model
    that never loses) creeps instead of jumping to overflow before ``max_iter``. Newton
    converges quadratically, so a last step under ``tol`` leaves an error near ``tol^2``.

    ``chord``, an inverse Hessian near every round's optimum (the full data's, for
    bootstrap rounds), is tried first: steps ``chord @ grad`` skip the KxK solve per
    round and contract fast when the rounds resemble the data; rows it does not settle
    in 12 steps go on with Newton.
    """
    beta = start.copy()
    k = cells.n_models
    gauge = 0.0 if ridge > 0 else 1.0
    active = np.ones(beta.shape[0], dtype=bool)
    index = _flat_index(cells, beta.shape[0])
    if chord is not None:
        last = np.full(beta.shape[0], np.inf)
        for _ in range(12):
            rows = np.flatnonzero(active)
            if rows.size == 0:
                break
            step = _gradient(cells, score[rows], total[rows], ridge, beta[rows],
                             index) @ chord
            biggest = np.abs(step).max(axis=1)
            good = biggest < 0.5 * last[rows]  # contracting; else leave the row to Newton
            beta[rows[good]] += step[good]
            last[rows] = np.where(good, biggest, 0.0)
            active[rows[good & (biggest < tol)]] = False  # error < step, as rho < 1/2
    for _ in range(max_iter):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        b = beta[rows]
        p = _sigmoid(b[:, cells.i] - b[:, cells.j])
        grad = _scatter(cells, score[rows] - total[rows] * p, index) - ridge * b
        hess = _laplacian(cells, total[rows] * p * (1 - p), ridge) + gauge / k
        step = np.linalg.solve(hess, grad[..., None])[..., 0]
        biggest = np.abs(step).max(axis=1)
        step *= np.minimum(1.0, 4.0 / np.maximum(biggest, 1e-300))[:, None]
        beta[rows] = b + step
        active[rows[biggest < tol]] = False
    if ridge == 0:
        beta -= beta.mean(axis=1, keepdims=True)
    return beta, ~active


def _gradient(cells: Cells, score: Floats, total: Floats, ridge: float, beta: Floats,
              index: tuple[Ints, Ints]) -> Floats:
    p = _sigmoid(beta[:, cells.i] - beta[:, cells.j])
    grad: Floats = _scatter(cells, score - total * p, index) - ridge * beta
    return grad


def chord_inverse(cells: Cells, beta: Floats, ridge: float) -> Floats:
    """The inverse of the information at ``beta`` (plus ``11^T/K`` without a ridge)."""
    k = cells.n_models
    inverse: Floats = np.linalg.inv(information(cells, beta, ridge)
                                    + (0.0 if ridge > 0 else 1.0 / k))
    return inverse


def information(cells: Cells, beta: Floats, ridge: float) -> Floats:
    """The observed information (negative Hessian) at ``beta``: (K, K)."""
    p = _sigmoid(beta[cells.i] - beta[cells.j])
    result: Floats = _laplacian(cells, (cells.total * p * (1 - p))[None, :], ridge)[0]
    return result


def score_variance(cells: Cells, beta: Floats) -> Floats:
    """The empirical variance of the score, summed over battles (the sandwich's meat)."""
    p = _sigmoid(beta[cells.i] - beta[cells.j])
    residual_sq = np.stack([(1 - p) ** 2, p ** 2, (0.5 - p) ** 2], axis=1)
    meat = (cells.weight_sq * residual_sq).sum(axis=1)
    result: Floats = _laplacian(cells, meat[None, :], 0.0)[0]
    return result


def components(cells: Cells) -> list[list[int]]:
    """Connected components of the comparison graph (models linked by any battle)."""
    parent = list(range(cells.n_models))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(cells.i.tolist(), cells.j.tolist(), strict=True):
        parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for model in range(cells.n_models):
        groups.setdefault(root(model), []).append(model)
    return sorted(groups.values(), key=lambda g: (-len(g), g))


def unbeaten_or_winless(cells: Cells) -> tuple[list[int], list[int]]:
    """Models that never scored less than full marks, and models that never scored at all.

    Either makes the MLE run off to infinity (Zermelo's condition fails): the model that
    never lost has no finite strength that the data would not like to raise further.
    """
    total = np.bincount(cells.i, cells.total, minlength=cells.n_models) + np.bincount(
        cells.j, cells.total, minlength=cells.n_models)
    points = np.bincount(cells.i, cells.score, minlength=cells.n_models) + np.bincount(
        cells.j, cells.total - cells.score, minlength=cells.n_models)
    played = total > 0
    unbeaten = np.flatnonzero(played & (points >= total - 1e-12)).tolist()
    winless = np.flatnonzero(played & (points <= 1e-12)).tolist()
    return unbeaten, winless
