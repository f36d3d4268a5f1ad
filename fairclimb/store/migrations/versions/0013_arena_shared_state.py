"""arena shared state: rate limits and live battles in the database, for server workers

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
    op.create_table(
        "arena_live_jobs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("battle_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arena_live_jobs")),
    )
    op.create_index(op.f("ix_arena_live_jobs_rater_id"), "arena_live_jobs", ["rater_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_arena_live_jobs_rater_id"), table_name="arena_live_jobs")
    op.drop_table("arena_live_jobs")
    op.drop_index("ix_arena_rate_events_at", table_name="arena_rate_events")
    op.drop_index("ix_arena_rate_events_key", table_name="arena_rate_events")
    op.drop_table("arena_rate_events")
