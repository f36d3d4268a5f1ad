"""Every table of the store on one metadata: what migrations are compared against."""

from __future__ import annotations

from sqlalchemy import MetaData

# Imported for their side effect: each module adds its tables to Base.metadata.
# Only table modules: the schema must not import the Store (a new database is created
# from it while the Store opens).
from fairclimb.store import (  # noqa: F401
    _arena_rank_tables,
    _arena_state_tables,
    _arena_tables,
    _data_tables,
    _ladder_tables,
    _suite_tables,
)
from fairclimb.store._models import Base

__all__ = ["metadata"]

metadata: MetaData = Base.metadata
