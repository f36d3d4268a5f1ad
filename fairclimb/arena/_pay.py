"""Pay: the union of a rater's task intervals, at the rate in force when each task was
done.

A task's interval runs from when it was served to the vote (capped, see
``max_task_seconds``). Intervals that overlap (concurrent tasks: impossible since the
store holds one open task per rater, but kept in older data) are paid once: each vote
is paid only for the part of its interval no earlier vote covered.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from fairclimb.store import RaterActivity, VoteRow

__all__ = ["PayRow", "Timed", "overlapping", "overlapping_votes", "pay_rows"]


class Timed(Protocol):
    """What the interval rule reads of a vote (a :class:`VoteRow`, or the narrower row
    quality control reads from the store)."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def seconds(self) -> float: ...


_T = TypeVar("_T", bound=Timed)


@dataclass(frozen=True, slots=True)
class PayRow:
    username: str
    pseudonym: str
    role: str
    briefing_version: int | None
    tasks: int
    seconds: float  # paid time: the union of the task intervals
    owed: tuple[tuple[str, float], ...]  # (currency, amount), one per currency used

    @property
    def owed_text(self) -> str:
        return " + ".join(f"{amount:.2f} {currency}" for currency, amount in self.owed) \
            or "0.00"

    @property
    def currency(self) -> str:
        return self.owed[0][0] if len(self.owed) == 1 else ""


def pay_rows(activity: Sequence[RaterActivity], votes: Sequence[VoteRow]) -> list[PayRow]:
    by_rater: dict[int, list[VoteRow]] = {}
    for vote in votes:
        by_rater.setdefault(vote.rater_id, []).append(vote)
    rows = []
    for account in activity:
        seconds, owed = _paid(by_rater.get(account.account_id, []))
        rows.append(PayRow(account.username, account.pseudonym, account.role,
                           account.briefing_version, len(by_rater.get(account.account_id, [])),
                           seconds,
                           tuple(sorted((c, round(a, 2)) for c, a in owed.items()))))
    return rows


def overlapping_votes(votes: Sequence[Timed]) -> int:
    """How many of one rater's votes began before an earlier task had ended."""
    return len(overlapping(votes))


def overlapping(votes: Sequence[_T]) -> list[_T]:
    """One rater's votes that began before an earlier task had ended."""
    return [vote for vote, start, covered in _walk(votes) if start < covered]


def _paid(votes: Sequence[VoteRow]) -> tuple[float, dict[str, float]]:
    seconds = 0.0
    owed: dict[str, float] = {}
    for vote, start, covered in _walk(votes):
        new = max((vote.created_at - max(start, covered)).total_seconds(), 0.0)
        seconds += new
        if vote.currency is not None and vote.pay_per_hour is not None:
            owed[vote.currency] = owed.get(vote.currency, 0.0) + new / 3600 * vote.pay_per_hour
    return seconds, owed


def _walk(votes: Sequence[_T]) -> Iterator[tuple[_T, datetime, datetime]]:
    """(vote, its interval's start, the end of what earlier intervals covered)."""
    ordered = sorted(votes, key=lambda v: v.created_at - timedelta(seconds=v.seconds))
    covered: datetime | None = None
    for vote in ordered:
        start = vote.created_at - timedelta(seconds=vote.seconds)
        yield vote, start, covered if covered is not None else start
        covered = vote.created_at if covered is None else max(covered, vote.created_at)
