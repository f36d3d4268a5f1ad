"""The paired comparison engine: pass@1 of two runs on the same tasks, the difference with
a paired bootstrap interval, tasks gained and lost; and the gap between two gains."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairclimb.errors import UserInputError
from fairclimb.evaluate import compare_paired, gain_gap, task_pass_rates


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def test_pass_rates_per_task() -> None:
    rates = task_pass_rates([("a", True), ("a", False), ("b", False), ("a", True)])
    assert rates == {"a": pytest.approx(2 / 3), "b": 0.0}


def test_paired_difference_gains_losses_and_unpaired() -> None:
    base = {"t1": 0.0, "t2": 1.0, "t3": 0.5, "t4": 0.0, "only-base": 1.0}
    other = {"t1": 1.0, "t2": 0.0, "t3": 0.5, "t4": 1.0, "only-other": 0.0}
    result = compare_paired(base, other, rng())
    assert result.task_ids == ("t1", "t2", "t3", "t4") and result.tasks == 4
    assert result.base == pytest.approx(1.5 / 4) and result.other == pytest.approx(2.5 / 4)
    assert result.diff.value == pytest.approx(0.25)
    assert result.gained == ("t1", "t4") and result.lost == ("t2",)
    assert result.unpaired == ("only-base", "only-other")
    assert result.diff.lower is not None and result.diff.upper is not None
    assert result.diff.lower < 0.25 < result.diff.upper
    assert result.to_json(name_tasks=False)["gained"] == 2


def test_pairing_sees_a_small_consistent_gain_that_unpaired_intervals_would_not() -> None:
    """Tasks of very different difficulty, each a little better: paired, beyond noise."""
    difficulty = np.linspace(0.0, 0.9, 40)
    base = {f"t{i}": float(d) for i, d in enumerate(difficulty)}
    other = {f"t{i}": float(d) + 0.05 for i, d in enumerate(difficulty)}
    result = compare_paired(base, other, rng())
    assert result.diff.value == pytest.approx(0.05)
    assert result.diff.excludes_zero
    assert result.diff.lower == pytest.approx(0.05) and result.diff.upper == pytest.approx(0.05)


def test_no_interval_under_two_tasks() -> None:
    one = compare_paired({"t": 0.0}, {"t": 1.0}, rng())
    assert one.diff.value == 1.0 and one.diff.lower is None and one.diff.upper is None
    assert not one.diff.excludes_zero
    none = compare_paired({}, {}, rng())
    assert none.tasks == 0 and none.diff.lower is None
    assert gain_gap([1.0], [0.0, 0.0], rng()).lower is None


def test_seeded_generator_gives_the_same_interval() -> None:
    base = {f"t{i}": (i % 3) / 2 for i in range(30)}
    other = {f"t{i}": ((i + 1) % 3) / 2 for i in range(30)}
    first = compare_paired(base, other, np.random.default_rng(5))
    again = compare_paired(base, other, np.random.default_rng(5))
    assert first.diff == again.diff


@pytest.mark.parametrize(("public", "private", "beyond_noise"), [
    ([1.0] * 20, [0.0] * 10, True),  # public-only gain
    ([1.0, 0.0] * 10, [1.0, 0.0] * 5, False),  # equal gains
    ([0.0, 1.0, 1.0, 0.0] * 5, [1.0, 0.0, 0.0, 1.0, 0.0] * 2, False),
    ([0.0] * 20, [1.0] * 10, True),  # private ahead: beyond noise the other way
])
def test_gain_gap(public: list[float], private: list[float], beyond_noise: bool) -> None:
    gap = gain_gap(public, private, rng())
    assert gap.value == pytest.approx(sum(public) / len(public) - sum(private) / len(private))
    assert gap.excludes_zero is beyond_noise
    assert gap.lower is not None and gap.upper is not None
    assert gap.lower <= gap.value <= gap.upper


@pytest.mark.parametrize("rates", [{"t": 1.5}, {"t": -0.1}])
def test_rates_outside_zero_one_are_refused(rates: dict[str, float]) -> None:
    with pytest.raises(UserInputError, match="not a share between 0 and 1"):
        compare_paired(rates, {"t": 0.5}, rng())


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from([f"t{i}" for i in range(12)]),
                       st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=2))
def test_interval_holds_the_estimate_and_swapping_negates_it(
        pairs: dict[str, tuple[float, float]]) -> None:
    base = {task: a for task, (a, _) in pairs.items()}
    other = {task: b for task, (_, b) in pairs.items()}
    forward = compare_paired(base, other, np.random.default_rng(1), rounds=300)
    backward = compare_paired(other, base, np.random.default_rng(1), rounds=300)
    assert forward.diff.lower is not None and forward.diff.upper is not None
    assert forward.diff.lower - 1e-9 <= forward.diff.value <= forward.diff.upper + 1e-9
    assert forward.diff.lower >= -1.0 and forward.diff.upper <= 1.0
    assert backward.diff.value == pytest.approx(-forward.diff.value)
    assert backward.diff.lower == pytest.approx(-forward.diff.upper)
    assert set(forward.gained) == set(backward.lost)
