"""The briefing raters read and accept before their first task.

It says what votes and labels are used for, who receives them, and the pay; every
change (text or pay) is a new version, and a rater accepts each version anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fairclimb.errors import UserInputError
from fairclimb.store import AccountRecord, ArenaStore, BriefingRecord

__all__ = ["DEFAULT_BRIEFING", "DEFAULT_RECIPIENTS", "MAX_PAY_PER_HOUR", "Briefing",
           "BriefingText"]

MAX_PAY_PER_HOUR = 1000.0
DEFAULT_RECIPIENTS = "the team that runs this arena, and the people who train the models"
DEFAULT_BRIEFING = """\
You will compare two anonymous answers to the same programming task and say which is
better (or that they tie, or that both are bad). You may label the mistakes you see,
leave a comment, and paste a corrected version of the better answer.

What your work is used for: your votes, labels, comments and corrections are used to
train and to evaluate coding models (as preference data and to rank models on a
leaderboard). They are stored under a pseudonym, never under your name.

Who receives them: {recipients}.

Pay: {pay} per hour of time spent on tasks, measured from when a task is shown to
when you vote (at most 30 minutes per task).

Some tasks are checks whose answer is known; very fast votes and patterns that ignore
the content (always the left side, always one model) are flagged and not counted.
"""


@dataclass(frozen=True, slots=True)
class BriefingText:
    """A briefing as shown: its version and its text with recipients and pay filled in."""

    version: int
    text: str
    recipients: str
    pay_per_hour: float
    currency: str

    @property
    def pay(self) -> str:
        return f"{self.pay_per_hour:.2f} {self.currency}"


class Briefing:
    def __init__(self, store: ArenaStore) -> None:
        self._store = store

    def publish(self, pay_per_hour: float, currency: str = "USD",
                recipients: str | None = None, text: str | None = None) -> int:
        """A new version; every rater must accept it before their next task. Text and
        recipients left out stay as they were (or the defaults, the first time)."""
        previous = self._store.current_briefing()
        if recipients is None:
            recipients = previous.recipients if previous else DEFAULT_RECIPIENTS
        if text is None:
            text = previous.text if previous else DEFAULT_BRIEFING
        if not 0 <= pay_per_hour <= MAX_PAY_PER_HOUR:  # a typo must not owe a fortune
            raise UserInputError(f"the pay rate is per hour, between 0 and "
                                 f"{MAX_PAY_PER_HOUR:g}")
        if not currency.strip() or len(currency) > 10:
            raise UserInputError("give the currency as a short code such as USD or EUR")
        if not text.strip():
            raise UserInputError("the briefing text is empty; write what raters agree to")
        return self._store.add_briefing(text, recipients, pay_per_hour, currency.strip(),
                                        datetime.now(UTC))

    def current(self) -> BriefingText | None:
        record = self._store.current_briefing()
        return None if record is None else _shown(record)

    def needs_acceptance(self, account: AccountRecord) -> BriefingText | None:
        """The briefing the account must still accept, or None if it is up to date."""
        current = self.current()
        if current is None or account.briefing_version == current.version:
            return None
        return current

    def accept(self, account: AccountRecord, version: int) -> None:
        current = self.current()
        if current is None or current.version != version:
            raise UserInputError("the briefing changed while you read it; read the new "
                                 "version and accept it again")
        self._store.accept_briefing(account.id, version, datetime.now(UTC))


def _shown(record: BriefingRecord) -> BriefingText:
    pay = f"{record.pay_per_hour:.2f} {record.currency}"
    text = record.text.replace("{recipients}", record.recipients).replace("{pay}", pay)
    return BriefingText(record.version, text, record.recipients, record.pay_per_hour,
                        record.currency)
