"""Run summaries: counting, JSON round-trip, and what a person sees."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from fairclimb.evaluate._passk import PassAtK
from fairclimb.evaluate._records import Status
from fairclimb.evaluate._summary import Summary, render_summary, summarize

ROWS: list[tuple[str, Status]] = [
    *[("t/0", Status.PASSED)] * 3,
    ("t/0", Status.FAILED),
    ("t/1", Status.TIMEOUT),
    ("t/1", Status.ERROR),
    ("t/1", Status.PASSED),
    ("t/1", Status.PASSED),
]


def make(**overrides: object) -> Summary:
    options: dict[str, object] = {
        "seconds": 2.0,
        "sandbox": "bubblewrap",
        "ks": (1, 2, 10),
        "rng": np.random.default_rng(0),
    }
    options.update(overrides)
    return summarize("humaneval", ROWS, **options)  # type: ignore[arg-type]


def test_summarize_counts_statuses_and_tasks() -> None:
    summary = make(deduplicated=2, run_id="run-1")
    assert (summary.samples, summary.tasks) == (8, 2)
    assert list(summary.statuses) == [s.value for s in Status]
    assert summary.statuses == {
        "passed": 5,
        "failed": 1,
        "error": 1,
        "timeout": 1,
        "memory": 0,
        "crashed": 0,
        "invalid": 0,
    }
    assert summary.samples_per_second == pytest.approx(4.0)
    assert (summary.deduplicated, summary.run_id) == (2, "run-1")
    # k=10 is left out: each task has only 4 samples.
    assert [p.k for p in summary.pass_at_k] == [1, 2]
    assert summary.pass_at_k[0].estimate == pytest.approx((0.75 + 0.5) / 2)
    assert summary.pass_at_k[0].min_samples == 4


@pytest.mark.parametrize(("seconds", "rate"), [(0.0, 0.0), (4.0, 2.0), (0.5, 16.0)])
def test_samples_per_second(seconds: float, rate: float) -> None:
    assert make(seconds=seconds).samples_per_second == pytest.approx(rate)


def test_summarize_of_no_rows_is_empty_but_complete() -> None:
    summary = summarize("empty", [], seconds=0.0, sandbox="rlimits", rng=np.random.default_rng(0))
    assert (summary.samples, summary.tasks, summary.pass_at_k) == (0, 0, [])
    assert set(summary.statuses.values()) == {0}
    assert len(summary.statuses) == len(Status)


def test_summarize_is_reproducible_for_equal_seeds() -> None:
    assert make(rng=np.random.default_rng(5)) == make(rng=np.random.default_rng(5))


def test_to_json_has_a_stable_plain_form() -> None:
    data = make(sandbox_warning="no bubblewrap: rlimits only").to_json()
    assert list(data) == [
        "suite",
        "samples",
        "tasks",
        "statuses",
        "pass_at_k",
        "pass_at_k_interval",
        "seconds",
        "samples_per_second",
        "sandbox",
        "sandbox_warning",
        "deduplicated",
        "run_id",
        "speed_score",
        "mean_fix_distance",
        "splits",
        "cutoff",
        "by_date",
        "perf_seed",
    ]
    assert list(data["pass_at_k"][0]) == ["k", "estimate", "lower", "upper", "tasks", "min_samples"]
    assert json.loads(json.dumps(data)) == data


def test_from_json_fills_statuses_that_were_left_out() -> None:
    data = make().to_json()
    data["statuses"] = {"passed": 5}
    statuses = Summary.from_json(data).statuses
    assert statuses["passed"] == 5
    assert statuses["crashed"] == 0


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.pop("suite"), "lacks the key 'suite'"),
        (lambda d: d["statuses"].update(bogus=1), "unknown statuses"),
    ],
)
def test_from_json_refuses_broken_summaries(change: object, fragment: str) -> None:
    data = make().to_json()
    change(data)  # type: ignore[operator]
    with pytest.raises(ValueError, match=fragment):
        Summary.from_json(data)


finite = st.floats(0, 1e6, allow_nan=False)
unit = st.floats(0, 1, allow_nan=False)
text = st.text(max_size=20)

pass_at_ks = st.builds(
    PassAtK,
    k=st.integers(1, 1000),
    estimate=unit,
    lower=unit,
    upper=unit,
    tasks=st.integers(0, 10_000),
    min_samples=st.integers(1, 1000),
)
summaries = st.builds(
    Summary,
    suite=text,
    samples=st.integers(0, 10**6),
    tasks=st.integers(0, 10**4),
    statuses=st.fixed_dictionaries({s.value: st.integers(0, 1000) for s in Status}),
    pass_at_k=st.lists(pass_at_ks, max_size=4),
    seconds=finite,
    samples_per_second=finite,
    sandbox=text,
    sandbox_warning=st.none() | text,
    deduplicated=st.integers(0, 1000),
    run_id=st.none() | text,
)


@settings(max_examples=100)
@given(summaries)
def test_json_round_trip(summary: Summary) -> None:
    assert Summary.from_json(json.loads(json.dumps(summary.to_json()))) == summary


def render(summary: Summary) -> str:
    console = Console(record=True, width=120)
    render_summary(summary, console)
    return console.export_text()


def test_render_shows_the_numbers() -> None:
    summary = Summary(
        suite="humaneval",
        samples=1640,
        tasks=164,
        statuses={s.value: 0 for s in Status} | {"passed": 1000, "failed": 640},
        pass_at_k=[
            PassAtK(k=1, estimate=0.6098, lower=0.5341, upper=0.6812, tasks=164, min_samples=10),
            PassAtK(k=10, estimate=0.8537, lower=0.7988, upper=0.9024, tasks=164, min_samples=10),
        ],
        seconds=12.34,
        samples_per_second=132.9,
        sandbox="bubblewrap",
        sandbox_warning="[no bubblewrap] rlimits only",
        deduplicated=17,
        run_id="r-42",
    )
    out = render(summary)
    for expected in (
        "humaneval",
        "61.0%",
        "[53.4, 68.1]",
        "85.4%",
        "[79.9, 90.2]",
        "164",
        "10",
        "passed",
        "1000",
        "640",
        "61.0%",  # share of passed samples
        "crashed",
        "12.3 s",
        "132.9 samples/s",
        "bubblewrap",
        "17 verdicts shared",
        "r-42",
        "[no bubblewrap] rlimits only",  # brackets survive: not read as markup
    ):
        assert expected in out, expected


def test_render_warning_is_yellow_and_absent_when_none() -> None:
    console = Console(
        record=True, width=120, force_terminal=True, color_system="standard", file=io.StringIO()
    )
    render_summary(make(sandbox_warning="rlimits only"), console)
    assert "\x1b[33mrlimits only" in console.export_text(styles=True)
    assert "rlimits only" not in render(make())


def test_render_says_when_no_k_could_be_estimated() -> None:
    out = render(
        summarize("tiny", [], seconds=0.0, sandbox="rlimits", rng=np.random.default_rng(0))
    )
    assert "no k could be estimated" in out


def test_one_task_shows_no_interval_and_every_summary_states_the_method() -> None:
    """One task was shown as "[64.0, 64.0]", an interval of certainty it did not have."""
    summary = summarize("mine", [("t/0", Status.PASSED), ("t/0", Status.FAILED)],
                        seconds=1.0, sandbox="bubblewrap", ks=(1,),
                        rng=np.random.default_rng(0))
    text = render(summary)
    assert "n/a" in text and "[50.0, 50.0]" not in text
    assert "two-level" in text and "two-level" in summary.to_json()["pass_at_k_interval"]
    again = Summary.from_json(json.loads(json.dumps(summary.to_json())))
    assert (again.pass_at_k[0].lower, again.pass_at_k[0].upper) == (None, None)
