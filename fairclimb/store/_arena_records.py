"""Plain records of the arena's data, as they cross the store's API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "AccountRecord",
    "BattleView",
    "BriefingRecord",
    "CredentialRow",
    "NewBattle",
    "NewVote",
    "PromptRecord",
    "RaterActivity",
    "SampleIn",
    "SessionRecord",
    "VoteRow",
    "VoteTiming",
]

#: What the arena decides from when the battle was served (handed over when the vote is
#: stored, in the same transaction): the seconds to record and the fast-vote detail (None
#: when the vote was not too fast). The store holds the rule's outcome, not the rule.
VoteTiming = Callable[[datetime], tuple[float, str | None]]


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: int
    username: str
    pseudonym: str
    role: str
    password_hash: str
    briefing_version: int | None
    briefing_accepted_at: datetime | None
    created_at: datetime
    disabled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    account: AccountRecord
    csrf_token: str
    expires_at: datetime
    current_briefing: int | None = None  # the version in force, read with the session


@dataclass(frozen=True, slots=True)
class BriefingRecord:
    version: int
    text: str
    recipients: str
    pay_per_hour: float
    currency: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SampleIn:
    """One answer to import: a model's answer to a prompt (its text, or a suite task)."""

    model: str
    prompt: str
    answer: str
    suite: str | None = None
    task_id: str | None = None
    language: str = "python"
    kind: str = "implement"
    passed: bool | None = None
    origin: str = "api"


@dataclass(frozen=True, slots=True)
class PromptRecord:
    id: int
    text: str
    suite: str | None
    task_id: str | None
    language: str
    kind: str


@dataclass(frozen=True, slots=True)
class NewBattle:
    rater_id: int
    prompt_id: int
    sample_a: int
    sample_b: int
    model_a: str
    model_b: str
    probability: float
    gold_winner: str | None
    served_at: datetime


@dataclass(frozen=True, slots=True)
class BattleView:
    """A battle with what the page shows: the prompt and both answers."""

    id: int
    rater_id: int
    prompt: PromptRecord
    answer_a: str
    answer_b: str
    model_a: str
    model_b: str
    probability: float
    gold_winner: str | None
    served_at: datetime
    winner: str | None  # None until voted


@dataclass(frozen=True, slots=True)
class NewVote:
    battle_id: int
    rater_id: int
    winner: str
    labels_a: list[str] = field(default_factory=list)
    labels_b: list[str] = field(default_factory=list)
    comment: str = ""
    correction: str = ""
    briefing_version: int | None = None  # the briefing the rater accepted: its pay terms


@dataclass(frozen=True, slots=True)
class VoteRow:
    """A vote with its battle, for quality control, exports and ratings."""

    battle_id: int
    rater_id: int
    judge: str  # the rater's pseudonym
    model_a: str
    model_b: str
    winner: str
    probability: float
    gold_winner: str | None
    seconds: float
    flag: str | None  # the fast-vote detail the arena gave; None if not too fast
    language: str
    kind: str
    labels_a: list[str]
    labels_b: list[str]
    comment: str
    correction: str
    created_at: datetime
    sample_a: int = 0
    sample_b: int = 0
    pay_per_hour: float | None = None  # the rate in force when the vote was cast
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class CredentialRow:
    """An invite or an API token as an admin lists it: never the secret, only the first
    characters of its hash to name it when revoking."""

    kind: str  # "invite" or "api token"
    ref: str
    label: str  # the invite's role, or the token's name
    created_at: datetime
    expires_at: datetime | None = None
    used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RaterActivity:
    account_id: int
    username: str
    pseudonym: str
    role: str
    briefing_version: int | None
    votes: int
    seconds: float
