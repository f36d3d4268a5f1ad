"""Arena: raters vote between two anonymous answers; quality control; pay.

The web app (``fairclimb.web``) and the CLI only translate requests into calls of
:class:`Arena`; nothing here knows about HTTP.
"""

from fairclimb.arena._accounts import Accounts, SignedIn
from fairclimb.arena._battles import Arena, BriefingRequired, CountRow, PayRow, VoteResult
from fairclimb.arena._briefing import DEFAULT_BRIEFING, Briefing, BriefingText
from fairclimb.arena._demo import DEMO_MUTANT, DEMO_REFERENCE, DemoArena, build_demo_arena, mutate
from fairclimb.arena._limits import RateLimiter
from fairclimb.arena._quality import RaterQuality, battle_records, rater_quality
from fairclimb.arena._records import (
    LABELS,
    AlreadyVoted,
    ArenaDenied,
    ArenaOptions,
    NoBattleAvailable,
    NotSignedIn,
    RateLimited,
    Role,
    Winner,
)
from fairclimb.arena._sampling import (
    POLICY,
    Draw,
    PairStats,
    Pool,
    SamplingReport,
    ShareRow,
    draw_battle,
    pair_probabilities,
    pair_stats,
    sampling_report,
)

__all__ = [
    "Accounts",
    "AlreadyVoted",
    "Arena",
    "ArenaDenied",
    "ArenaOptions",
    "Briefing",
    "BriefingRequired",
    "BriefingText",
    "CountRow",
    "DEFAULT_BRIEFING",
    "DEMO_MUTANT",
    "DEMO_REFERENCE",
    "DemoArena",
    "Draw",
    "LABELS",
    "NoBattleAvailable",
    "NotSignedIn",
    "POLICY",
    "PairStats",
    "PayRow",
    "Pool",
    "RateLimited",
    "RateLimiter",
    "RaterQuality",
    "Role",
    "SamplingReport",
    "ShareRow",
    "SignedIn",
    "VoteResult",
    "Winner",
    "battle_records",
    "build_demo_arena",
    "draw_battle",
    "mutate",
    "pair_probabilities",
    "pair_stats",
    "rater_quality",
    "sampling_report",
]
