"""Store: fairclimb's database, SQLAlchemy models and the Alembic migrations that make them.

SQLite by default (a bare path is a SQLite file), PostgreSQL or any SQLAlchemy URL for
many users. :meth:`Store.open` migrates the database to the newest schema; plain
records, never ORM objects, cross this API. The store keeps data and holds no business
logic: what a status means or when a run may resume is decided by its callers.
"""

from fairclimb.store._arena import ArenaStore, Refusal, UsernameTaken, VoteRefused
from fairclimb.store._arena_limits import MAX_WINDOW as MAX_RATE_WINDOW
from fairclimb.store._arena_limits import ArenaRateLimits, RateWindow
from fairclimb.store._arena_live_jobs import ArenaLiveJobs, LiveJobRecord
from fairclimb.store._arena_quality import (
    ArenaQuality,
    CountedCell,
    ExcludedCount,
    StoredFlag,
    VoteHistory,
    VoteTally,
)
from fairclimb.store._arena_rankings import ArenaRankings, RankingView
from fairclimb.store._arena_records import (
    AccountRecord,
    BattleView,
    BriefingRecord,
    CredentialRow,
    NewBattle,
    NewVote,
    PromptRecord,
    RaterActivity,
    SampleIn,
    SessionRecord,
    VoteRow,
    VoteTiming,
)
from fairclimb.store._arena_verdicts import AnswerVerdict, ArenaVerdicts, UnjudgedAnswer
from fairclimb.store._data import (
    GATE_SCHEMA_VERSION,
    ContaminationRow,
    DataRepository,
    DatasetInfo,
    MemberRow,
    Offer,
    StoredRecord,
)
from fairclimb.store._ladder import (
    LadderBoardRecord,
    LadderRepository,
    LadderSubmissionRecord,
    NewLadderSubmission,
)
from fairclimb.store._records import NewRun, ResultRow, RunRecord
from fairclimb.store._store import DatabaseUnreachable, Store
from fairclimb.store._suites import StoredSuite, SuiteRepository, store_exists
from fairclimb.store._vote_chain import ChainHead, ChainReport

__all__ = [
    "AccountRecord",
    "AnswerVerdict",
    "ArenaLiveJobs",
    "ArenaQuality",
    "ArenaRankings",
    "ArenaRateLimits",
    "ArenaStore",
    "ArenaVerdicts",
    "BattleView",
    "BriefingRecord",
    "ChainHead",
    "ChainReport",
    "ContaminationRow",
    "CountedCell",
    "CredentialRow",
    "DataRepository",
    "DatabaseUnreachable",
    "DatasetInfo",
    "ExcludedCount",
    "GATE_SCHEMA_VERSION",
    "LadderBoardRecord",
    "LadderRepository",
    "LadderSubmissionRecord",
    "LiveJobRecord",
    "MAX_RATE_WINDOW",
    "MemberRow",
    "NewBattle",
    "NewLadderSubmission",
    "NewRun",
    "NewVote",
    "Offer",
    "PromptRecord",
    "RankingView",
    "RateWindow",
    "RaterActivity",
    "Refusal",
    "ResultRow",
    "RunRecord",
    "SampleIn",
    "SessionRecord",
    "Store",
    "StoredFlag",
    "StoredRecord",
    "StoredSuite",
    "SuiteRepository",
    "UnjudgedAnswer",
    "UsernameTaken",
    "VoteHistory",
    "VoteRefused",
    "VoteRow",
    "VoteTally",
    "VoteTiming",
    "store_exists",
]
