"""The summary of an execution run: status counts, pass@k with intervals, throughput.

A :class:`Summary` is what a run reports and stores; ``to_json``/``from_json`` give it a
stable, plain-JSON form, and :func:`render_summary` shows it to a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from fairclimb.evaluate._passk import PassAtK, estimate_pass_at_k
from fairclimb.evaluate._records import Status
from fairclimb.evaluate.judge._efficiency import SpeedSummary, summarize_speed

if TYPE_CHECKING:
    import numpy as np

__all__ = ["INTERVAL_METHOD", "SplitScore", "Summary", "render_summary", "summarize"]

#: How pass@k's intervals are made, said next to them in every summary.
INTERVAL_METHOD = ("95% two-level percentile bootstrap: tasks resampled, then each drawn "
                   "task's samples; none under 2 tasks")


@dataclass(frozen=True, slots=True)
class SplitScore:
    """Aggregate scores of one split (public, private) of a run: never per task."""

    split: str
    samples: int
    tasks: int
    passed: int
    pass_at_k: list[PassAtK]

    def to_json(self) -> dict[str, Any]:
        return {"split": self.split, "samples": self.samples, "tasks": self.tasks,
                "passed": self.passed, "pass_at_k": [_pass_json(p) for p in self.pass_at_k]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SplitScore:
        return cls(str(data["split"]), int(data["samples"]), int(data["tasks"]),
                   int(data["passed"]), [_pass_of(p) for p in data["pass_at_k"]])


@dataclass(frozen=True)
class Summary:
    """What one execution run of a suite came to."""

    suite: str
    samples: int
    tasks: int
    statuses: dict[str, int]  # every Status value, in declaration order, zero if unseen
    pass_at_k: list[PassAtK]
    seconds: float
    samples_per_second: float
    sandbox: str
    sandbox_warning: str | None  # e.g. "no bubblewrap: rlimits only"
    deduplicated: int  # samples whose verdict was shared with an identical program
    run_id: str | None
    speed: SpeedSummary | None = None  # optimize tasks: mean speed score of passing samples
    #: debug suites: the mean edit distance from the buggy program to passing answers
    mean_fix_distance: float | None = None
    #: aggregates per split, so a private split is reported without naming its tasks
    splits: list[SplitScore] = field(default_factory=list)
    #: ``--after DATE``: the cutoff, and aggregates of the tasks created on or before
    #: it and of those created after it (which a model trained up to it cannot have seen)
    cutoff: str | None = None
    by_date: list[SplitScore] = field(default_factory=list)
    #: optimize tasks: the seed the run's heavy inputs were drawn from (each task's is
    #: derived from it), so the measured inputs can be rebuilt
    perf_seed: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict whose key order is fixed, so stored files diff well."""
        return {
            "suite": self.suite,
            "samples": self.samples,
            "tasks": self.tasks,
            "statuses": _all_statuses(self.statuses),
            "pass_at_k": [
                {
                    "k": p.k,
                    "estimate": p.estimate,
                    "lower": p.lower,
                    "upper": p.upper,
                    "tasks": p.tasks,
                    "min_samples": p.min_samples,
                }
                for p in self.pass_at_k
            ],
            "pass_at_k_interval": INTERVAL_METHOD,
            "seconds": self.seconds,
            "samples_per_second": self.samples_per_second,
            "sandbox": self.sandbox,
            "sandbox_warning": self.sandbox_warning,
            "deduplicated": self.deduplicated,
            "run_id": self.run_id,
            "speed_score": None if self.speed is None else self.speed.to_json(),
            "mean_fix_distance": self.mean_fix_distance,
            "splits": [score.to_json() for score in self.splits],
            "cutoff": self.cutoff,
            "by_date": [score.to_json() for score in self.by_date],
            "perf_seed": self.perf_seed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        """Rebuild a summary written by :meth:`to_json`."""
        try:
            return cls(
                suite=str(data["suite"]),
                samples=int(data["samples"]),
                tasks=int(data["tasks"]),
                statuses=_all_statuses(data["statuses"]),
                pass_at_k=[
                    PassAtK(
                        k=int(p["k"]),
                        estimate=float(p["estimate"]),
                        lower=_optional_float(p["lower"]),
                        upper=_optional_float(p["upper"]),
                        tasks=int(p["tasks"]),
                        min_samples=int(p["min_samples"]),
                    )
                    for p in data["pass_at_k"]
                ],
                seconds=float(data["seconds"]),
                samples_per_second=float(data["samples_per_second"]),
                sandbox=str(data["sandbox"]),
                sandbox_warning=_optional_str(data.get("sandbox_warning")),
                deduplicated=int(data.get("deduplicated", 0)),
                run_id=_optional_str(data.get("run_id")),
                speed=(SpeedSummary.from_json(data["speed_score"])
                       if data.get("speed_score") else None),
                mean_fix_distance=_optional_float(data.get("mean_fix_distance")),
                splits=[SplitScore.from_json(score) for score in data.get("splits", [])],
                cutoff=_optional_str(data.get("cutoff")),
                by_date=[SplitScore.from_json(score) for score in data.get("by_date", [])],
                perf_seed=_optional_int(data.get("perf_seed")),
            )
        except KeyError as missing:
            raise ValueError(f"a run summary lacks the key {missing}") from None


def summarize(
    suite: str,
    verdict_rows: Iterable[tuple[str, Status]],
    *,
    seconds: float,
    sandbox: str,
    sandbox_warning: str | None = None,
    deduplicated: int = 0,
    run_id: str | None = None,
    ks: Sequence[int] = (1, 10, 100),
    rounds: int = 1000,
    rng: np.random.Generator,
    speed_rows: Iterable[tuple[str, float, str]] = (),
    mean_fix_distance: float | None = None,
    split_of: Mapping[str, str] | None = None,
    created_of: Mapping[str, str] | None = None,
    after: str | None = None,
    perf_seed: int | None = None,
) -> Summary:
    """Count the ``(task_id, status)`` rows of a run and estimate pass@k from them
    (also per split when *split_of* gives each task's split, and on each side of the
    date *after* when *created_of* gives each task's creation date).

    *speed_rows* are ``(task_id, speed score, cost measure)`` of the passing samples of
    optimize tasks; their mean over tasks is reported next to pass@k.
    """
    statuses: Counter[str] = Counter()
    counts: dict[str, tuple[int, int]] = {}
    for task_id, status in verdict_rows:
        statuses[status.value] += 1
        n, c = counts.get(task_id, (0, 0))
        counts[task_id] = (n + 1, c + (status is Status.PASSED))
    samples = sum(statuses.values())
    return Summary(
        suite=suite,
        samples=samples,
        tasks=len(counts),
        statuses=_all_statuses(statuses),
        pass_at_k=estimate_pass_at_k(counts, ks, rounds=rounds, rng=rng),
        speed=summarize_speed(speed_rows, rounds=rounds, rng=rng),
        seconds=seconds,
        # A run that took no measurable time has no meaningful rate; 0 keeps JSON valid.
        samples_per_second=samples / seconds if seconds > 0 else 0.0,
        sandbox=sandbox,
        sandbox_warning=sandbox_warning,
        deduplicated=deduplicated,
        run_id=run_id,
        mean_fix_distance=mean_fix_distance,
        splits=_split_scores(counts, split_of, ks, rounds, rng) if split_of else [],
        cutoff=after,
        by_date=(_split_scores(counts, _sides(created_of or {}, after), ks, rounds, rng)
                 if after else []),
        perf_seed=perf_seed,
    )


def _sides(created_of: Mapping[str, str], after: str) -> dict[str, str]:
    """Each task's side of the cutoff; ISO dates compare as strings."""
    return {task: "undated" if not created else
            f"after {after}" if created[:10] > after else f"up to {after}"
            for task, created in created_of.items()}


def _split_scores(counts: Mapping[str, tuple[int, int]], split_of: Mapping[str, str],
                  ks: Sequence[int], rounds: int, rng: np.random.Generator) -> list[SplitScore]:
    by_split: dict[str, dict[str, tuple[int, int]]] = {}
    for task_id, nc in counts.items():
        by_split.setdefault(split_of.get(task_id, "public"), {})[task_id] = nc
    return [SplitScore(split=split, samples=sum(n for n, _ in part.values()), tasks=len(part),
                       passed=sum(c for _, c in part.values()),
                       pass_at_k=estimate_pass_at_k(part, ks, rounds=rounds, rng=rng))
            for split, part in sorted(by_split.items())]


def render_summary(summary: Summary, console: Console) -> None:
    """Show pass@k and status counts as tables, then throughput and any sandbox warning."""
    console.print(_pass_at_k_table(summary))
    if summary.speed is not None:
        speed = summary.speed
        console.print(Text(
            f"speed score {speed.mean:.2f} [95% CI {speed.lower:.2f}, {speed.upper:.2f}] "
            f"over {speed.tasks} tasks ({speed.samples} passing samples; 0 = slow "
            f"reference, 1 = fast reference; cost: {speed.measure})"))
    console.print(_status_table(summary))
    if any(score.split != "public" for score in summary.splits):
        console.print(_split_table(summary.splits, "by split (aggregates only)"))
    if summary.by_date:
        console.print(_split_table(summary.by_date, f"by creation date, split at the "
                                   f"training cutoff {summary.cutoff}"))
    line = (
        f"{summary.samples} samples of {summary.tasks} tasks in {summary.seconds:.1f} s "
        f"({summary.samples_per_second:.1f} samples/s), sandbox: {summary.sandbox}"
    )
    if summary.deduplicated:
        line += f", {summary.deduplicated} verdicts shared by identical programs"
    if summary.run_id is not None:
        line += f", run {summary.run_id}"
    if summary.mean_fix_distance is not None:
        line += (f", mean fix distance of passing answers: "
                 f"{summary.mean_fix_distance:.1f} characters")
    if summary.perf_seed is not None:
        line += f", performance inputs drawn with seed {summary.perf_seed}"
    # Text, not a markup string: suite names and warnings may contain square brackets.
    console.print(Text(line))
    if summary.sandbox_warning:
        console.print(Text(summary.sandbox_warning, style="yellow"))


def _pass_at_k_table(summary: Summary) -> Table:
    table = Table(title=Text(f"{summary.suite}: pass@k"))
    for header in ("k", "pass@k", "95% CI", "tasks", "samples/task"):
        table.add_column(header, justify="right")
    for p in summary.pass_at_k:
        table.add_row(
            Text(str(p.k)),
            Text(f"{100 * p.estimate:.1f}%"),
            Text(_interval(p)),
            Text(str(p.tasks)),
            # The fewest any task had: k is only reported up to this.
            Text(f"≥ {p.min_samples}"),
        )
    table.caption = (INTERVAL_METHOD if summary.pass_at_k
                     else "no k could be estimated: too few samples per task")
    return table


def _split_table(scores: list[SplitScore], title: str) -> Table:
    table = Table(title=Text(title))
    for header in ("split", "tasks", "samples", "passed", "pass@1"):
        table.add_column(header, justify="right")
    for score in scores:
        pass1 = next((p for p in score.pass_at_k if p.k == 1), None)
        table.add_row(score.split, str(score.tasks), str(score.samples), str(score.passed),
                      "-" if pass1 is None else
                      f"{100 * pass1.estimate:.1f}% {_interval(pass1)}")
    return table


def _status_table(summary: Summary) -> Table:
    table = Table(title="statuses")
    table.add_column("status")
    table.add_column("samples", justify="right")
    table.add_column("share", justify="right")
    for status, count in summary.statuses.items():
        share = 100 * count / summary.samples if summary.samples else 0.0
        table.add_row(status, str(count), f"{share:.1f}%")
    return table


def _all_statuses(counts: Mapping[str, int]) -> dict[str, int]:
    """Counts for every Status value in declaration order; unknown names are an error."""
    unknown = set(counts) - {s.value for s in Status}
    if unknown:
        raise ValueError(f"unknown statuses {sorted(unknown)} in a run summary")
    return {s.value: int(counts.get(s.value, 0)) for s in Status}


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _optional_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _optional_float(value: object) -> float | None:
    return None if value is None else float(str(value))


def _pass_json(p: PassAtK) -> dict[str, Any]:
    return {"k": p.k, "estimate": p.estimate, "lower": p.lower, "upper": p.upper,
            "tasks": p.tasks, "min_samples": p.min_samples}


def _pass_of(p: Mapping[str, Any]) -> PassAtK:
    return PassAtK(k=int(p["k"]), estimate=float(p["estimate"]),
                   lower=_optional_float(p["lower"]), upper=_optional_float(p["upper"]),
                   tasks=int(p["tasks"]),
                   min_samples=int(p["min_samples"]))


def _interval(p: PassAtK) -> str:
    """The 95% interval in percent, or "n/a" where fewer than two tasks give none."""
    if p.lower is None or p.upper is None:
        return "n/a"
    return f"[{100 * p.lower:.1f}, {100 * p.upper:.1f}]"
