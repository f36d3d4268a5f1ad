"""Which two models meet next: balanced, uncertainty-seeking, fair to every model.

The policy, in three steps (all probabilities are exact, so each battle can store the
probability with which its pair was drawn, and ratings can reweight by its inverse):

1. **Fair share.** Each model gets a first-pick weight ``q_i`` proportional to
   ``(mean battles + 1) / (its battles + 1)``: a model that has been shown less than
   the others is picked more, so every model's share of battles drifts to the same.
2. **Uncertain, under-voted pairs.** Against model ``i``, opponent ``j`` (any model with
   an answer to a common prompt) gets weight ``u_ij / sqrt(1 + n_ij)``, where ``n_ij`` is
   the pair's vote count and ``u_ij`` is 1 while the pair's order is still uncertain
   (the 95% Wilson interval of ``i``'s score share, ties counting half, contains 1/2)
   and ``SETTLED`` once it is not.
3. The pair ``{i, j}`` is drawn with probability ``q_i P(j|i) + q_j P(i|j)``; then a
   common prompt uniformly, one answer of each model to it uniformly, sides by a coin.

Two answers with the same text are never a battle (a vote between them says nothing and
would become a useless ``chosen == rejected`` pair): a prompt counts as common to two
models only when some answer of one differs from some answer of the other, and the two
answers are drawn uniformly among the pairs that differ.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["POLICY", "Draw", "PairStats", "Pool", "SamplingReport", "ShareRow",
           "draw_battle", "gold_candidates", "pair_probabilities", "pair_stats",
           "sampling_report"]

SETTLED = 0.25
_Z95 = 1.959963984540054

POLICY = (
    "Each model's first-pick weight is (mean battles + 1) / (its battles + 1), so shares "
    "even out; its opponent is weighted by u / sqrt(1 + votes on the pair), with u = 1 "
    f"while the pair's 95% interval of score share contains 1/2 and u = {SETTLED} once "
    "settled; then a common prompt, one answer each, and sides are drawn uniformly."
)


@dataclass
class Pool:
    """The answers battles draw from: ``answers[model][prompt_id]`` -> sample ids."""

    answers: dict[str, dict[int, list[int]]] = field(default_factory=dict)
    passed: dict[int, bool | None] = field(default_factory=dict)
    text_hash: dict[int, str] = field(default_factory=dict)  # sample id -> its text's hash

    @classmethod
    def of(cls, rows: Iterable[tuple[int, int, str, bool | None]],
           text_hash: dict[int, str] | None = None) -> Pool:
        pool = cls(text_hash=dict(text_hash or {}))
        for sample_id, prompt_id, model, passed in rows:
            pool.answers.setdefault(model, {}).setdefault(prompt_id, []).append(sample_id)
            pool.passed[sample_id] = passed
        return pool

    def differ(self, first: int, second: int) -> bool:
        """Whether two answers are different texts (unknown hashes count as different)."""
        one, two = self.text_hash.get(first), self.text_hash.get(second)
        return one is None or two is None or one != two

    def distinct_pairs(self, a: str, b: str, prompt: int) -> list[tuple[int, int]]:
        return [(x, y) for x in self.answers[a].get(prompt, [])
                for y in self.answers[b].get(prompt, []) if self.differ(x, y)]

    def common_prompts(self, a: str, b: str) -> list[int]:
        shared = sorted(self.answers[a].keys() & self.answers[b].keys())
        return [p for p in shared if self.distinct_pairs(a, b, p)]


@dataclass
class PairStats:
    """Votes so far on the unordered pair (first, second) with first < second."""

    first_wins: float = 0.0
    second_wins: float = 0.0
    ties: float = 0.0

    @property
    def votes(self) -> float:
        return self.first_wins + self.second_wins + self.ties

    def uncertain(self) -> bool:
        n = self.votes
        if n == 0:
            return True
        share = (self.first_wins + 0.5 * self.ties) / n
        centre = (share + _Z95**2 / (2 * n)) / (1 + _Z95**2 / n)
        half = (_Z95 / (1 + _Z95**2 / n)) * math.sqrt(
            share * (1 - share) / n + _Z95**2 / (4 * n * n))
        return centre - half <= 0.5 <= centre + half


@dataclass(frozen=True, slots=True)
class Draw:
    prompt_id: int
    sample_a: int
    sample_b: int
    model_a: str
    model_b: str
    probability: float  # of the unordered model pair under the policy in force
    gold_winner: str | None = None


def pair_probabilities(pool: Pool, stats: dict[tuple[str, str], PairStats],
                       battles: dict[str, int]) -> dict[tuple[str, str], float]:
    """The probability of each unordered pair (sorted names) under the policy."""
    models = sorted(pool.answers)
    opponents = {m: [o for o in models if o != m and pool.common_prompts(m, o)]
                 for m in models}
    eligible = [m for m in models if opponents[m]]
    if not eligible:
        return {}
    mean = sum(battles.get(m, 0) for m in eligible) / len(eligible)
    raw = {m: (mean + 1) / (battles.get(m, 0) + 1) for m in eligible}
    total = sum(raw.values())
    probabilities: dict[tuple[str, str], float] = {}
    for m in eligible:
        weights = {o: _pair_weight(stats.get(_key(m, o), PairStats())) for o in opponents[m]}
        norm = sum(weights.values())
        for o, w in weights.items():
            key = _key(m, o)
            probabilities[key] = probabilities.get(key, 0.0) + raw[m] / total * w / norm
    return probabilities


def draw_battle(pool: Pool, stats: dict[tuple[str, str], PairStats],
                battles: dict[str, int], rng: np.random.Generator,
                gold_rate: float = 0.0) -> Draw | None:
    """A battle under the policy (or a gold check, at ``gold_rate``); None if no two
    models answered a common prompt."""
    gold = gold_candidates(pool)
    if gold and rng.random() < gold_rate:
        return _draw_gold(pool, gold, rng, gold_rate)
    probabilities = pair_probabilities(pool, stats, battles)
    if not probabilities:
        return None
    pairs = sorted(probabilities)
    weights = np.array([probabilities[p] for p in pairs])
    pair = pairs[int(rng.choice(len(pairs), p=weights / weights.sum()))]
    prompts = pool.common_prompts(*pair)
    prompt = prompts[int(rng.integers(len(prompts)))]
    first, second = (pool.answers[m][prompt] for m in pair)
    distinct = pool.distinct_pairs(*pair, prompt)
    if len(distinct) == len(first) * len(second):  # no identical texts: as before
        samples = (first[int(rng.integers(len(first)))],
                   second[int(rng.integers(len(second)))])
    else:
        samples = distinct[int(rng.integers(len(distinct)))]
    left, right = (0, 1) if rng.random() < 0.5 else (1, 0)
    probability = probabilities[pair] * (1 - gold_rate if gold else 1.0)
    return Draw(prompt, samples[left], samples[right], pair[left], pair[right], probability)


@dataclass(frozen=True, slots=True)
class ShareRow:
    model: str
    expected_share: float  # of battles under the policy now (each battle has two models)
    actual_share: float  # of the battles served so far
    battles: int


@dataclass(frozen=True, slots=True)
class SamplingReport:
    policy: str
    gold_rate: float
    shares: list[ShareRow]
    pairs: list[tuple[str, str, float, float, bool]]  # a, b, votes, probability, uncertain
    warnings: list[str] = field(default_factory=list)


def sampling_report(pool: Pool, stats: dict[tuple[str, str], PairStats],
                    battles: dict[str, int], gold_rate: float) -> SamplingReport:
    probabilities = pair_probabilities(pool, stats, battles)
    served = sum(battles.values()) / 2 or 1.0
    shares = []
    for model in sorted(pool.answers):
        expected = sum(p for pair, p in probabilities.items() if model in pair)
        shares.append(ShareRow(model, expected, battles.get(model, 0) / served,
                               battles.get(model, 0)))
    pairs = [(a, b, stats.get((a, b), PairStats()).votes, p,
              stats.get((a, b), PairStats()).uncertain())
             for (a, b), p in sorted(probabilities.items())]
    return SamplingReport(POLICY, gold_rate, shares, pairs)


def pair_stats(outcomes: Iterable[tuple[str, str, str, int]]) -> dict[tuple[str, str], PairStats]:
    """Fold (model_a, model_b, winner, count) rows into per-pair statistics."""
    stats: dict[tuple[str, str], PairStats] = {}
    for model_a, model_b, winner, count in outcomes:
        key = _key(model_a, model_b)
        entry = stats.setdefault(key, PairStats())
        if winner in ("tie", "tie (bothbad)"):
            entry.ties += count
        elif (winner == "model_a") == (model_a == key[0]):
            entry.first_wins += count
        else:
            entry.second_wins += count
    return stats


def _pair_weight(stats: PairStats) -> float:
    return (1.0 if stats.uncertain() else SETTLED) / math.sqrt(1.0 + stats.votes)


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def gold_candidates(pool: Pool) -> list[tuple[int, int, int, str, str]]:
    """(prompt, passing sample, failing sample, its model, failing model) combinations."""
    combos: list[tuple[int, int, int, str, str]] = []
    by_prompt: dict[int, list[tuple[int, str]]] = {}
    for model, prompts in pool.answers.items():
        for prompt, samples in prompts.items():
            by_prompt.setdefault(prompt, []).extend((s, model) for s in samples)
    for prompt, answers in sorted(by_prompt.items()):
        good = [(s, m) for s, m in answers if pool.passed.get(s) is True]
        bad = [(s, m) for s, m in answers if pool.passed.get(s) is False]
        combos.extend((prompt, g, b, gm, bm) for g, gm in good for b, bm in bad
                      if gm != bm and pool.differ(g, b))
    return combos


def _draw_gold(pool: Pool, gold: Sequence[tuple[int, int, int, str, str]],
               rng: np.random.Generator, gold_rate: float) -> Draw:
    prompt, good, bad, good_model, bad_model = gold[int(rng.integers(len(gold)))]
    same_pair = sum(1 for c in gold if _key(c[3], c[4]) == _key(good_model, bad_model))
    probability = gold_rate * same_pair / len(gold)
    if rng.random() < 0.5:
        return Draw(prompt, good, bad, good_model, bad_model, probability, "model_a")
    return Draw(prompt, bad, good, bad_model, good_model, probability, "model_b")


def battles_available(pool: Pool) -> int:
    """How many battles one new rater can be served before an answer would repeat:
    per prompt, pairs of different models' answers, each answer used once."""
    per_prompt: dict[int, list[int]] = {}
    for prompts in pool.answers.values():
        for prompt, samples in prompts.items():
            per_prompt.setdefault(prompt, []).append(len(samples))
    total = 0
    for counts in per_prompt.values():
        answers = sum(counts)
        total += min(answers // 2, answers - max(counts))
    return total


def supply_warnings(pool: Pool, votes_wanted: int) -> list[str]:
    """What the admin must import before raters run out of unseen answers."""
    available = battles_available(pool)
    if available >= votes_wanted:
        return []
    models = len(pool.answers) or 1
    prompts = len({p for answers in pool.answers.values() for p in answers}) or 1
    per = sum(len(s) for a in pool.answers.values() for s in a.values()) / models / prompts
    return [f"each rater can be served only {available} battles before an answer would "
            f"repeat (about {per:.1f} answers per model per prompt, {prompts} prompts), "
            f"fewer than the {votes_wanted} votes wanted per rater: import more prompts "
            "or more answers per model per prompt"]
