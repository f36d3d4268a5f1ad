"""pass@k: exact values, invariants, and the bootstrap over tasks."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fairclimb.evaluate._passk as passk_module
from fairclimb.evaluate._passk import PassAtK, estimate_pass_at_k, pass_at_k


def exact(n: int, c: int, k: int) -> float:
    return float(1 - Fraction(comb(n - c, k), comb(n, k)))


@pytest.mark.parametrize(
    ("n", "c", "k"),
    [
        (1, 0, 1),
        (1, 1, 1),
        (5, 0, 1),  # c = 0
        (5, 5, 1),  # n = c
        (5, 5, 5),  # n = c = k
        (5, 0, 5),  # k = n, nothing correct
        (5, 1, 5),  # k = n, one correct
        (10, 3, 1),
        (10, 3, 5),
        (10, 3, 7),  # n - c = k: the last case computed by the product
        (10, 3, 8),  # n - c < k
        (20, 1, 10),
        (200, 13, 1),
        (200, 13, 10),
        (200, 13, 100),
        (200, 199, 100),
        (1000, 1, 500),
    ],
)
def test_pass_at_k_matches_exact_binomials(n: int, c: int, k: int) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(exact(n, c, k), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("n", "c"), [(7, 0), (7, 3), (7, 7)])
def test_pass_at_1_is_the_fraction_correct(n: int, c: int) -> None:
    assert pass_at_k(n, c, 1) == pytest.approx(c / n)


@pytest.mark.parametrize(
    ("n", "c", "k", "fragment"),
    [
        (0, 0, 1, "at least one sample"),
        (5, 1, 0, "k must be at least 1"),
        (5, -1, 1, "number correct"),
        (5, 6, 1, "number correct"),
        (5, 1, 6, "exceeds the number of samples"),
    ],
)
def test_pass_at_k_rejects_impossible_arguments(n: int, c: int, k: int, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        pass_at_k(n, c, k)


@st.composite
def n_c_k(draw: st.DrawFn) -> tuple[int, int, int]:
    n = draw(st.integers(1, 300))
    return n, draw(st.integers(0, n)), draw(st.integers(1, n))


@given(n_c_k())
def test_pass_at_k_is_a_probability(args: tuple[int, int, int]) -> None:
    assert 0.0 <= pass_at_k(*args) <= 1.0


@given(n_c_k())
def test_pass_at_k_is_non_decreasing_in_k(args: tuple[int, int, int]) -> None:
    n, c, k = args
    if k < n:
        assert pass_at_k(n, c, k) <= pass_at_k(n, c, k + 1)


@given(n_c_k())
def test_pass_at_k_is_non_decreasing_in_c(args: tuple[int, int, int]) -> None:
    n, c, k = args
    if c < n:
        assert pass_at_k(n, c, k) <= pass_at_k(n, c + 1, k)


# --- the estimate over a suite -------------------------------------------------------


@st.composite
def suite_counts(draw: st.DrawFn) -> dict[str, tuple[int, int]]:
    tasks = draw(st.integers(1, 30))
    counts: dict[str, tuple[int, int]] = {}
    for t in range(tasks):
        n = draw(st.integers(1, 40))
        counts[f"task/{t}"] = (n, draw(st.integers(0, n)))
    return counts


def test_estimate_is_the_mean_of_per_task_values() -> None:
    counts = {"a": (10, 0), "b": (10, 5), "c": (10, 10)}
    [p1, p5] = estimate_pass_at_k(counts, (1, 5), rng=np.random.default_rng(0))
    assert p1.k == 1
    assert p1.estimate == pytest.approx(0.5)
    assert p5.estimate == pytest.approx((0 + exact(10, 5, 5) + 1) / 3)
    assert (p5.tasks, p5.min_samples) == (3, 10)
    assert p1.lower is not None and p1.upper is not None
    assert 0.0 <= p1.lower <= p1.estimate <= p1.upper <= 1.0


def test_k_is_omitted_where_some_task_has_too_few_samples() -> None:
    counts = {"a": (200, 50), "b": (12, 3)}
    found = estimate_pass_at_k(counts, (1, 10, 100), rng=np.random.default_rng(0))
    assert [p.k for p in found] == [1, 10]
    assert all(p.min_samples == 12 for p in found)


@pytest.mark.parametrize(
    ("counts", "ks"),
    [
        ({}, (1, 10, 100)),  # no tasks at all
        ({"a": (5, 1)}, (10, 100)),  # no k small enough
    ],
)
def test_nothing_to_report_gives_an_empty_list(
    counts: dict[str, tuple[int, int]], ks: tuple[int, ...]
) -> None:
    assert estimate_pass_at_k(counts, ks, rng=np.random.default_rng(0)) == []


def test_ks_are_sorted_and_deduplicated() -> None:
    found = estimate_pass_at_k({"a": (10, 2)}, (10, 1, 10), rng=np.random.default_rng(0))
    assert [p.k for p in found] == [1, 10]


@pytest.mark.parametrize(("ks", "rounds"), [((0,), 10), ((1,), 0)])
def test_bad_ks_or_rounds_are_refused(ks: tuple[int, ...], rounds: int) -> None:
    with pytest.raises(ValueError):
        estimate_pass_at_k({"a": (5, 1)}, ks, rounds=rounds, rng=np.random.default_rng(0))


@pytest.mark.parametrize("c", [0, 10])
def test_tasks_all_solved_or_all_failed_give_a_zero_width_interval(c: int) -> None:
    [p] = estimate_pass_at_k(
        {f"t{i}": (10, c) for i in range(5)}, (1,), rng=np.random.default_rng(0)
    )
    assert p.lower == p.estimate == p.upper == pytest.approx(c / 10)


def test_sampling_within_tasks_widens_the_interval() -> None:
    """Five tasks each 3 of 10 once gave [0.30, 0.30]: as if 3/10 were exact."""
    [p] = estimate_pass_at_k(
        {f"t{i}": (10, 3) for i in range(5)}, (1,), rng=np.random.default_rng(0)
    )
    assert p.lower is not None and p.upper is not None
    assert p.lower < 0.25 and p.upper > 0.35


@pytest.mark.parametrize("counts", [{"only": (10, 3)}, {"only": (1, 1)}])
def test_one_task_gives_no_interval(counts: dict[str, tuple[int, int]]) -> None:
    """One task has nothing to resample: "n/a", never a point interval like [0.64, 0.64]."""
    [p] = estimate_pass_at_k(counts, (1,), rng=np.random.default_rng(0))
    assert (p.lower, p.upper, p.tasks) == (None, None, 1)


def test_interval_narrows_with_more_tasks() -> None:
    def width(tasks: int) -> float:
        counts = {f"t{i}": (10, 10 if i % 2 else 0) for i in range(tasks)}
        [p] = estimate_pass_at_k(counts, (1,), rng=np.random.default_rng(7))
        assert p.lower is not None and p.upper is not None
        return p.upper - p.lower

    assert width(400) < width(10)


@settings(max_examples=50, deadline=None)
@given(suite_counts(), st.integers(0, 2**32 - 1))
def test_bootstrap_is_reproducible_and_holds_the_estimate(
    counts: dict[str, tuple[int, int]], seed: int
) -> None:
    ks = (1, 2, 5, 10)
    first = estimate_pass_at_k(counts, ks, rounds=200, rng=np.random.default_rng(seed))
    again = estimate_pass_at_k(counts, ks, rounds=200, rng=np.random.default_rng(seed))
    assert first == again
    assert first, "k=1 is always reportable"
    for p in first:
        assert isinstance(p, PassAtK)
        if len(counts) < 2:
            assert p.lower is None and p.upper is None
            continue
        assert p.lower is not None and p.upper is not None
        assert 0.0 <= p.lower <= p.estimate <= p.upper <= 1.0
        assert p.tasks == len(counts)
    estimates = [p.estimate for p in first]
    assert estimates == sorted(estimates), "pass@k over a suite is non-decreasing in k"


def test_bootstrap_uses_only_the_generator_passed_in() -> None:
    counts = {f"t{i}": (20, i) for i in range(20)}
    np.random.seed(1)
    a = estimate_pass_at_k(counts, (1,), rng=np.random.default_rng(3))
    np.random.seed(2)
    b = estimate_pass_at_k(counts, (1,), rng=np.random.default_rng(3))
    c = estimate_pass_at_k(counts, (1,), rng=np.random.default_rng(4))
    assert a == b
    assert (a[0].lower, a[0].upper) != (c[0].lower, c[0].upper)


def test_bootstrap_drawn_in_blocks_still_brackets_the_estimate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A tiny block size forces many blocks, as a suite with very many tasks would.
    monkeypatch.setattr(passk_module, "_BLOCK_ENTRIES", 1000)
    counts = {f"t{i}": (5, i % 6) for i in range(300)}
    [p] = estimate_pass_at_k(counts, (1,), rounds=50, rng=np.random.default_rng(0))
    assert p.lower is not None and p.upper is not None
    assert p.lower < p.estimate < p.upper
