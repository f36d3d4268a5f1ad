"""Tables of the data part. Created by their Alembic migration, never by these classes."""

from __future__ import annotations

from fairclimb.store._models import Base  # noqa: F401  (tables below use it)

__all__: list[str] = []
