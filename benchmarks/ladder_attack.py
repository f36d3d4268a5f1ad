"""Blum & Hardt's boosting attack against a naive board and a Ladder board.

A synthetic split stands in for a suite (documented, not hidden): each of ``2 * tasks``
tasks has one right answer out of two, drawn at random; the board scores the first
half (its hidden split), the second half is a fresh split nobody has seen. An answer
vector is right or wrong per task. The attacker knows nothing about any task and sees
only the scores a board releases:

1. submit a random base answer vector and note its released score;
2. submit ``rounds`` perturbations of it (each answer flipped with probability 1/2),
   keeping those whose released score beats the base's;
3. submit the per-task majority vote of the kept vectors.

A model answers every task the same way, so its true quality is its score on the fresh
split: 0.5, since no answer was chosen with knowledge of a right one. The naive board
shows the attacker a gain that is not real; the Ladder should not.

The release decisions are made by the ladder part's own code (``fairclimb.ladder.release``,
which ``fairclimb ladder submit`` calls with each submission's per-task scores and the
team's best, tracked here as the board tracks it); the synthetic split replaces the
evaluation of real samples, which would cost a sandbox run per task and submission.

    PYTHONPATH=. .venv/bin/python benchmarks/ladder_attack.py --tasks 4000 --rounds 700
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from fairclimb.ladder import Best, BoardMode, release


@dataclass
class Team:
    """One team on one board: what the board remembers of its best."""

    mode: BoardMode
    best: Best | None = None
    new_bests: int = 0

    def submit(self, scores: np.ndarray) -> float:
        """The released score of a submission with per-task *scores*."""
        answer = release(self.mode, scores.tolist(), self.best)
        if answer.improved:
            self.best = Best(scores.tolist(), answer.released)
            self.new_bests += 1
        return answer.released


def attack(mode: BoardMode, truth: np.ndarray, hidden: int, rounds: int,
           rng: np.random.Generator) -> tuple[float, float, float, float]:
    """(released score, hidden-split score, fresh-split score) of the attacker's final
    submission on a board in *mode*, and how many new bests the board released."""
    team = Team(mode)
    base = rng.integers(0, 2, size=truth.size)

    def right(answers: np.ndarray) -> np.ndarray:
        return np.asarray(answers == truth, dtype=float)

    base_released = team.submit(right(base)[:hidden])
    kept: list[np.ndarray] = []
    for _ in range(rounds):
        flips = rng.random(truth.size) < 0.5
        variant = np.where(flips, 1 - base, base)
        if team.submit(right(variant)[:hidden]) > base_released:
            kept.append(variant)
    if not kept:
        final = base
    else:
        votes = np.mean(kept, axis=0)
        final = np.where(votes == 0.5, base, (votes > 0.5).astype(int))
    scores = right(final)
    released = team.submit(scores[:hidden])
    return (released, float(scores[:hidden].mean()), float(scores[hidden:].mean()),
            float(team.new_bests))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=4000, help="tasks in the hidden split")
    parser.add_argument("--rounds", type=int, default=700, help="perturbations submitted")
    parser.add_argument("--repeats", type=int, default=5, help="attacks, each on a new split")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rows: dict[BoardMode, list[tuple[float, float, float, float]]] = {m: [] for m in BoardMode}
    for _ in range(args.repeats):
        truth = rng.integers(0, 2, size=2 * args.tasks)
        for mode in (BoardMode.NAIVE, BoardMode.LADDER):
            rows[mode].append(attack(mode, truth, args.tasks, args.rounds, rng))
    print(f"boosting attack: {args.tasks} hidden tasks, {args.tasks} fresh tasks, "
          f"{args.rounds + 2} submissions per attack, {args.repeats} attacks (mean ± sd); "
          "any answer's true score is 0.5")
    print(f"{'board':8} {'released':>16} {'hidden split':>16} {'fresh split':>16} "
          f"{'shown gain':>12} {'new bests':>10}")
    for mode in (BoardMode.NAIVE, BoardMode.LADDER):
        shown, hidden, fresh, bests = np.asarray(rows[mode]).T
        print(f"{mode.value:8} {_fmt(shown):>16} {_fmt(hidden):>16} {_fmt(fresh):>16} "
              f"{(shown - fresh).mean():>+12.4f} {bests.mean():>10.1f}")


def _fmt(values: np.ndarray) -> str:
    return f"{values.mean():.4f} ± {values.std():.4f}"


if __name__ == "__main__":
    main()
