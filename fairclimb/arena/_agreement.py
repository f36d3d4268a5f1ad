"""Inter-rater agreement on battles several raters judged.

A battle shown to several raters is the same pair of answers, perhaps on swapped
sides: each vote is turned into an outcome about the pair (the answer with the lower
id wins, the other wins, tie, both bad), so raters who saw it mirrored still agree.

- Cohen's kappa per rater pair, over the battles both judged.
- Cohen's kappa of each rater against the majority of the *other* raters (battles
  where the others have a strict majority).
- Fleiss' kappa over all battles with two ratings or more, in the form that allows a
  different number of raters per battle (Fleiss 1971 when the number is constant).

Kappa is ``None`` where chance agreement is 1 (every rating the same category): the
statistic is undefined there, not perfect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from fairclimb.store import VoteRow

__all__ = ["Agreement", "PairKappa", "agreement", "cohen_kappa", "fleiss_kappa", "outcome"]



@dataclass(frozen=True, slots=True)
class PairKappa:
    rater_a: str
    rater_b: str  # a pseudonym, or "majority of the others"
    battles: int
    kappa: float | None


@dataclass(frozen=True, slots=True)
class Agreement:
    battles: int  # judged by two raters or more
    ratings: int
    fleiss: float | None
    pairs: list[PairKappa]
    against_majority: list[PairKappa]


def outcome(vote: VoteRow) -> str:
    """The vote as a statement about the pair, whichever side each answer was on."""
    if vote.winner in ("tie", "tie (bothbad)"):
        return vote.winner
    won = vote.sample_a if vote.winner == "model_a" else vote.sample_b
    return "lower" if won == min(vote.sample_a, vote.sample_b) else "higher"


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters' labels on the same items, in order."""
    n = len(first)
    if n == 0 or n != len(second):
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    count_a, count_b = Counter(first), Counter(second)
    chance = sum(count_a[k] * count_b[k] for k in count_a) / (n * n)
    return None if chance >= 1.0 else (observed - chance) / (1.0 - chance)


def fleiss_kappa(counts: Sequence[Mapping[str, int]]) -> float | None:
    """Fleiss' kappa from per-item category counts (items with fewer than 2 ratings are
    left out)."""
    items = [c for c in counts if sum(c.values()) >= 2]
    if not items:
        return None
    totals: Counter[str] = Counter()
    agreement_sum = 0.0
    for item in items:
        n = sum(item.values())
        agreement_sum += (sum(v * v for v in item.values()) - n) / (n * (n - 1))
        totals.update(item)
    grand = sum(totals.values())
    chance = sum((v / grand) ** 2 for v in totals.values())
    observed = agreement_sum / len(items)
    return None if chance >= 1.0 else (observed - chance) / (1.0 - chance)


def agreement(votes: Sequence[VoteRow]) -> Agreement:
    """Agreement over the battles (pairs of answers) more than one rater judged."""
    by_item: dict[tuple[int, int], dict[str, str]] = {}
    for vote in votes:
        key = (min(vote.sample_a, vote.sample_b), max(vote.sample_a, vote.sample_b))
        by_item.setdefault(key, {})[vote.judge] = outcome(vote)
    shared = {k: v for k, v in by_item.items() if len(v) >= 2}
    raters = sorted({judge for rated in shared.values() for judge in rated})
    return Agreement(
        battles=len(shared), ratings=sum(len(v) for v in shared.values()),
        fleiss=fleiss_kappa([Counter(v.values()) for v in shared.values()]),
        pairs=[_pair(a, b, shared) for a, b in combinations(raters, 2)
               if any(a in v and b in v for v in shared.values())],
        against_majority=[_majority(r, shared) for r in raters])


def _pair(a: str, b: str, shared: Mapping[tuple[int, int], Mapping[str, str]]) -> PairKappa:
    both = [v for v in shared.values() if a in v and b in v]
    return PairKappa(a, b, len(both), cohen_kappa([v[a] for v in both], [v[b] for v in both]))


def _majority(rater: str, shared: Mapping[tuple[int, int], Mapping[str, str]]) -> PairKappa:
    mine, theirs = [], []
    for rated in shared.values():
        if rater not in rated:
            continue
        top = Counter(o for judge, o in rated.items() if judge != rater).most_common(2)
        if top and (len(top) == 1 or top[0][1] > top[1][1]):
            mine.append(rated[rater])
            theirs.append(top[0][0])
    return PairKappa(rater, "majority of the others", len(mine), cohen_kappa(mine, theirs))
