"""The arena: raters vote between two anonymous answers; quality control; pay; and
ratings that state their doubt.

The web app (``fairclimb.web``) and the CLI only translate requests into calls of
:class:`Arena`; nothing here knows about HTTP.

The names below are loaded on first use (PEP 562): rating a battle file imports the
ratings code, not the store, the web app or SQLAlchemy.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from fairclimb.arena._accounts import Accounts, SignedIn
    from fairclimb.arena._agreement import (
        Agreement,
        PairKappa,
        agreement,
        cohen_kappa,
        fleiss_kappa,
    )
    from fairclimb.arena._battle_io import (
        Battle,
        BattlesFileError,
        Winner,
        code_features,
        read_battles,
        write_battles,
    )
    from fairclimb.arena._battles import Arena, BriefingRequired, PayRow, VoteResult
    from fairclimb.arena._board import Leaderboard
    from fairclimb.arena._briefing import DEFAULT_BRIEFING, Briefing, BriefingText
    from fairclimb.arena._controls import pay_csv
    from fairclimb.arena._demo import (
        DEMO_MUTANT,
        DEMO_REFERENCE,
        DemoArena,
        build_demo_arena,
        mutate,
    )
    from fairclimb.arena._executed import ExecutionReport, ShownVerdict, TestAgreement
    from fairclimb.arena._export import ExportOptions
    from fairclimb.arena._feedback import arena_feedback_votes, import_arena_feedback
    from fairclimb.arena._generations import GenerationFilter, GenerationImport
    from fairclimb.arena._limits import RateLimiter
    from fairclimb.arena._live import LiveJob
    from fairclimb.arena._pay import pay_rows
    from fairclimb.arena._quality import RaterQuality, battle_records, rater_quality
    from fairclimb.arena._rankings import RankingTasks, ranking_pairs
    from fairclimb.arena._ratings import (
        BattleSource,
        BattleTable,
        CiMethod,
        ModelRating,
        RatingOptions,
        Ratings,
        Regularize,
        Robustness,
        StyleCoefficient,
        compute_ratings,
        parse_anchor,
        rate_battle_file,
        rate_table,
        ratings_from_store,
    )
    from fairclimb.arena._records import (
        LABELS,
        AlreadyVoted,
        ArenaDenied,
        ArenaOptions,
        NoBattleAvailable,
        NotSignedIn,
        RateLimited,
        Role,
    )
    from fairclimb.arena._samples_file import read_samples_file
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
    from fairclimb.arena._svg import render_ratings_svg
    from fairclimb.arena._visibility import DEFAULT_MAX_PRIVATE_VARIANTS, Visibility


# Each public name and the private module that defines it.
_EXPORTS: dict[str, str] = {
    "Accounts": "_accounts",
    "SignedIn": "_accounts",
    "Agreement": "_agreement",
    "PairKappa": "_agreement",
    "agreement": "_agreement",
    "cohen_kappa": "_agreement",
    "fleiss_kappa": "_agreement",
    "Battle": "_battle_io",
    "BattlesFileError": "_battle_io",
    "Winner": "_battle_io",
    "code_features": "_battle_io",
    "read_battles": "_battle_io",
    "write_battles": "_battle_io",
    "Arena": "_battles",
    "BriefingRequired": "_battles",
    "PayRow": "_battles",
    "VoteResult": "_battles",
    "Leaderboard": "_board",
    "DEFAULT_BRIEFING": "_briefing",
    "Briefing": "_briefing",
    "BriefingText": "_briefing",
    "pay_csv": "_controls",
    "DEMO_MUTANT": "_demo",
    "DEMO_REFERENCE": "_demo",
    "DemoArena": "_demo",
    "build_demo_arena": "_demo",
    "mutate": "_demo",
    "ExecutionReport": "_executed",
    "ShownVerdict": "_executed",
    "TestAgreement": "_executed",
    "ExportOptions": "_export",
    "arena_feedback_votes": "_feedback",
    "import_arena_feedback": "_feedback",
    "GenerationFilter": "_generations",
    "GenerationImport": "_generations",
    "RateLimiter": "_limits",
    "LiveJob": "_live",
    "pay_rows": "_pay",
    "RaterQuality": "_quality",
    "battle_records": "_quality",
    "rater_quality": "_quality",
    "RankingTasks": "_rankings",
    "ranking_pairs": "_rankings",
    "BattleSource": "_ratings",
    "BattleTable": "_ratings",
    "CiMethod": "_ratings",
    "ModelRating": "_ratings",
    "RatingOptions": "_ratings",
    "Ratings": "_ratings",
    "Regularize": "_ratings",
    "Robustness": "_ratings",
    "StyleCoefficient": "_ratings",
    "compute_ratings": "_ratings",
    "parse_anchor": "_ratings",
    "rate_battle_file": "_ratings",
    "rate_table": "_ratings",
    "ratings_from_store": "_ratings",
    "LABELS": "_records",
    "AlreadyVoted": "_records",
    "ArenaDenied": "_records",
    "ArenaOptions": "_records",
    "NoBattleAvailable": "_records",
    "NotSignedIn": "_records",
    "RateLimited": "_records",
    "Role": "_records",
    "read_samples_file": "_samples_file",
    "POLICY": "_sampling",
    "Draw": "_sampling",
    "PairStats": "_sampling",
    "Pool": "_sampling",
    "SamplingReport": "_sampling",
    "ShareRow": "_sampling",
    "draw_battle": "_sampling",
    "pair_probabilities": "_sampling",
    "pair_stats": "_sampling",
    "sampling_report": "_sampling",
    "render_ratings_svg": "_svg",
    "DEFAULT_MAX_PRIVATE_VARIANTS": "_visibility",
    "Visibility": "_visibility",
}

__all__ = [
    "Accounts",
    "Agreement",
    "AlreadyVoted",
    "Arena",
    "ArenaDenied",
    "ArenaOptions",
    "Battle",
    "BattleSource",
    "BattleTable",
    "BattlesFileError",
    "Briefing",
    "BriefingRequired",
    "BriefingText",
    "CiMethod",
    "DEFAULT_BRIEFING",
    "DEFAULT_MAX_PRIVATE_VARIANTS",
    "DEMO_MUTANT",
    "DEMO_REFERENCE",
    "DemoArena",
    "Draw",
    "ExecutionReport",
    "ExportOptions",
    "GenerationFilter",
    "GenerationImport",
    "LABELS",
    "Leaderboard",
    "LiveJob",
    "ModelRating",
    "NoBattleAvailable",
    "NotSignedIn",
    "POLICY",
    "PairKappa",
    "PairStats",
    "PayRow",
    "Pool",
    "RankingTasks",
    "RateLimited",
    "RateLimiter",
    "RaterQuality",
    "RatingOptions",
    "Ratings",
    "Regularize",
    "Robustness",
    "Role",
    "SamplingReport",
    "ShareRow",
    "ShownVerdict",
    "SignedIn",
    "StyleCoefficient",
    "TestAgreement",
    "Visibility",
    "VoteResult",
    "Winner",
    "agreement",
    "arena_feedback_votes",
    "battle_records",
    "build_demo_arena",
    "code_features",
    "cohen_kappa",
    "compute_ratings",
    "draw_battle",
    "fleiss_kappa",
    "import_arena_feedback",
    "mutate",
    "pair_probabilities",
    "pair_stats",
    "parse_anchor",
    "pay_csv",
    "pay_rows",
    "ranking_pairs",
    "rate_battle_file",
    "rate_table",
    "rater_quality",
    "ratings_from_store",
    "read_battles",
    "read_samples_file",
    "render_ratings_svg",
    "sampling_report",
    "write_battles",
]


def __getattr__(name: str) -> _typing.Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
