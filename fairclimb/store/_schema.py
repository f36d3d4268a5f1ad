"""Every table of the store on one metadata: what migrations are compared against."""

from __future__ import annotations

from sqlalchemy import MetaData

# Imported for their side effect: each module adds its tables to Base.metadata.
from fairclimb.store import (  # noqa: F401
    _arena_limits,
    _arena_live_jobs,
    _arena_quality,
    _arena_rank_tables,
    _arena_tables,
    _data_tables,
    _ladder_tables,
    _suite_tables,
)
from fairclimb.store._models import Base

__all__ = ["metadata"]

metadata: MetaData = Base.metadata
