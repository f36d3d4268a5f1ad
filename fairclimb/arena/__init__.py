"""The arena: battles between two models' answers, votes, and ratings that state their doubt."""

from fairclimb.arena._battles import (
    Battle,
    BattlesFileError,
    Winner,
    code_features,
    read_battles,
    write_battles,
)
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
    rate_table,
    ratings_from_store,
)
from fairclimb.arena._svg import render_ratings_svg

__all__ = [
    "Battle",
    "BattleSource",
    "BattleTable",
    "BattlesFileError",
    "CiMethod",
    "ModelRating",
    "RatingOptions",
    "Ratings",
    "Regularize",
    "Robustness",
    "StyleCoefficient",
    "Winner",
    "code_features",
    "compute_ratings",
    "parse_anchor",
    "rate_table",
    "ratings_from_store",
    "read_battles",
    "render_ratings_svg",
    "write_battles",
]
