"""The arena's vocabulary: roles, vote outcomes, error labels, and its errors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fairclimb.errors import FairclimbError, UserInputError

__all__ = [
    "LABELS",
    "AlreadyVoted",
    "ArenaDenied",
    "ArenaOptions",
    "NoBattleAvailable",
    "NotSignedIn",
    "RateLimited",
    "Role",
]


class Role(StrEnum):
    ADMIN = "admin"
    RATER = "rater"


#: The error taxonomy a rater may attach to either answer.
LABELS: tuple[str, ...] = (
    "off-by-one", "infinite-loop", "wrong-variable", "wrong-operator", "missing-edge-case",
    "wrong-return", "style", "poor-explanation",
)


@dataclass(frozen=True, slots=True)
class ArenaOptions:
    """How the arena runs; the admin changes ``gold_rate`` and the QC thresholds live."""

    session_hours: float = 12.0
    invite_days: float = 7.0
    votes_per_minute: int = 30  # per rater; the load benchmark raises it
    battles_per_minute: int = 60
    max_task_seconds: float = 1800.0  # time on one task is capped (a tab left open)
    fast_vote_seconds: float = 5.0
    gold_rate: float = 0.1
    min_votes_for_flags: int = 20
    secure_cookies: bool = False
    votes_wanted_per_rater: int = 50  # the admin is warned when answers run short of it
    public_url: str | None = None  # absolute links (invites) use this, never the Host header
    signin_window_minutes: float = 15.0
    signin_failures_per_account: int = 10  # within the window, then locked until it passes
    signin_failures_per_address: int = 50
    hash_concurrency: int = 2  # argon2 hashes at once (each takes ~64 MiB and a core)
    header_timeout_seconds: float = 10.0  # a request's headers must arrive within this
    keep_alive_seconds: int = 5  # an idle keep-alive connection is closed after this
    max_connections: int = 1000  # connections and requests at once; beyond, 503
    # Proxies whose X-Forwarded-For / -Proto are believed (comma-separated addresses):
    # behind one, every client would otherwise share the proxy's address, and the
    # per-address sign-in limit would lock everyone out at once.
    forwarded_allow_ips: str | None = None


class NotSignedIn(FairclimbError):
    """No session, or it expired: sign in again."""

    http_status = 401


class ArenaDenied(FairclimbError):
    """Signed in, but not allowed to do this (wrong role, someone else's battle)."""

    http_status = 403


class AlreadyVoted(UserInputError):
    http_status = 409


class RateLimited(FairclimbError):
    http_status = 429


class NoBattleAvailable(UserInputError):
    http_status = 404
