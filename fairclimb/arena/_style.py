"""Style control: answer features as extra covariates of the Bradley-Terry fit.

Each battle adds ``gamma . f`` to A's log-odds, where ``f`` is the difference of the two
answers' features: for ``length``, ``(a - b) / (a + b)`` (relative, as LMArena does);
for the others, ``a - b``. Each difference is divided by its standard deviation over the
battles, so a coefficient reads as rating points per standard deviation. The fit runs
on individual battles (features differ per battle); its intervals are sandwich ones.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from fairclimb.arena._battle_table import BattleTable, Floats
from fairclimb.arena._bt import POINTS
from fairclimb.arena._rating_records import StyleCoefficient

__all__ = ["fit_style"]


def _blocks(table: BattleTable, v: Floats, ridge: float) -> Floats:
    """``sum v_n x_n x_n^T`` over battles, x_n = (e_a - e_b, f_n), plus the ridge on beta."""
    assert table.features is not None
    k, f = len(table.models), table.features.shape[1]
    pair = np.bincount(table.a * k + table.b, v, minlength=k * k).reshape(k, k)
    pair = pair + pair.T
    out = np.zeros((k + f, k + f))
    out[:k, :k] = np.diag(pair.sum(axis=1) + ridge) - pair
    vf = v[:, None] * table.features
    cross = np.stack([np.bincount(table.a, vf[:, c], minlength=k)
                      - np.bincount(table.b, vf[:, c], minlength=k) for c in range(f)], axis=1)
    out[:k, k:], out[k:, :k] = cross, cross.T
    out[k:, k:] = table.features.T @ vf
    return out


def fit_style(table: BattleTable, weight: Floats, ridge: float, level: float
              ) -> tuple[Floats, Floats, tuple[StyleCoefficient, ...]]:
    """Joint fit; returns (beta, covariance of beta, the style coefficients)."""
    assert table.features is not None
    k, f = len(table.models), table.features.shape[1]
    theta = np.zeros(k + f)
    gauge = np.zeros((k + f, k + f))
    if ridge == 0:
        gauge[:k, :k] = 1.0 / k
    y = table.score_a
    for _ in range(100):
        eta = theta[table.a] - theta[table.b] + table.features @ theta[k:]
        p = 0.5 * (1.0 + np.tanh(0.5 * eta))
        r = weight * (y - p)
        grad = np.concatenate([np.bincount(table.a, r, minlength=k)
                               - np.bincount(table.b, r, minlength=k) - ridge * theta[:k],
                               table.features.T @ r])
        hess = _blocks(table, weight * p * (1 - p), ridge) + gauge
        step = np.linalg.solve(hess, grad)
        step *= min(1.0, 4.0 / max(float(np.abs(step).max()), 1e-300))
        theta += step
        if np.abs(step).max() < 1e-10:
            break
    eta = theta[table.a] - theta[table.b] + table.features @ theta[k:]
    p = 0.5 * (1.0 + np.tanh(0.5 * eta))
    inv = np.linalg.inv(_blocks(table, weight * p * (1 - p), ridge) + gauge)
    cov = inv @ _blocks(table, (weight * (y - p)) ** 2, 0.0) @ inv
    centre = np.eye(k) - 1.0 / k
    z = NormalDist().inv_cdf(0.5 + level / 2)
    coefficients = tuple(
        StyleCoefficient(name, POINTS * theta[k + c],
                         POINTS * (theta[k + c] - z * np.sqrt(cov[k + c, k + c])),
                         POINTS * (theta[k + c] + z * np.sqrt(cov[k + c, k + c])))
        for c, name in enumerate(table.feature_names))
    return theta[:k] - theta[:k].mean(), centre @ cov[:k, :k] @ centre, coefficients
