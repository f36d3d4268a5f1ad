"""arena rate events: rate limits counted in the database, shared by server processes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 02:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "arena_rate_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arena_rate_events")),
    )
    op.create_index("ix_arena_rate_events_key", "arena_rate_events", ["key", "at"])
    op.create_index("ix_arena_rate_events_at", "arena_rate_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_arena_rate_events_at", table_name="arena_rate_events")
    op.drop_index("ix_arena_rate_events_key", table_name="arena_rate_events")
    op.drop_table("arena_rate_events")
