"""The robustness line: would dropping a few influential votes change the leader?

Votes are ranked by their first-order influence on the leader's lead over the runner-up
(removing one battle moves the strengths by ``-H^-1 g`` with ``g`` its score), and the
ones that help the leader most are dropped, up to 1% of the battles. Each verdict comes
from an exact refit without them, and when the leader changes, a bisection finds the
fewest votes that do it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from fairclimb.arena._bt import POINTS, Cells, fit, information
from fairclimb.arena._rating_records import Robustness

__all__ = ["check_robustness"]


def check_robustness(cells: Cells, models: Sequence[str], ridge: float) -> Robustness:
    """Drop up to 1% of the votes (at least one), most leader-favouring first, and refit."""
    k = cells.n_models
    beta = fit(cells, cells.score[None], cells.total[None], ridge, np.zeros((1, k)))[0][0]
    top, second = (int(x) for x in np.argsort(-beta, kind="stable")[:2])
    inv = np.linalg.inv(information(cells, beta, ridge) + (0.0 if ridge > 0 else 1.0 / k))
    lead = inv[:, top] - inv[:, second]  # (H^-1 (e_top - e_second)), H symmetric
    sensitivity = lead[cells.i] - lead[cells.j]
    p = 0.5 * (1.0 + np.tanh(0.5 * (beta[cells.i] - beta[cells.j])))
    residual = np.stack([1 - p, -p, 0.5 - p], axis=1)  # i's score minus its expectation
    raw = cells.raw.astype(np.float64)
    unit = np.stack([cells.wins_i, cells.wins_j, cells.ties], axis=1) / raw.clip(min=1)
    # Removing one such vote changes the lead by about -(its score) * sensitivity.
    change = -(unit * residual) * sensitivity[:, None]
    order = [c for c in np.argsort(change, axis=None, kind="stable") if change.flat[c] < 0]
    budget = max(1, math.ceil(0.01 * raw.sum()))

    def refit(n_drop: int) -> tuple[int, float]:
        left = raw.copy().ravel()
        for c in order:
            take = min(left[c], n_drop)
            left[c] -= take
            n_drop -= int(take)
            if n_drop == 0:
                break
        counts = left.reshape(-1, 3) * unit
        score = counts[:, 0] + 0.5 * counts[:, 2]
        b = fit(cells, score[None], counts.sum(axis=1)[None], max(ridge, 1e-6),
                beta[None])[0][0]
        leader = int(np.argmax(b))
        return leader, POINTS * float(b[top] - np.max(np.delete(b, top)))

    leader, gap_after = refit(budget)
    gap = POINTS * float(beta[top] - beta[second])
    if leader == top:
        return Robustness(models[top], budget, budget, False, models[top], gap, gap_after)
    low, high = 1, budget  # the fewest drops that change the leader
    while low < high:
        middle = (low + high) // 2
        if refit(middle)[0] != top:
            high = middle
        else:
            low = middle + 1
    leader, gap_after = refit(low)
    return Robustness(models[top], budget, low, True, models[leader], gap, gap_after)
