"""live battles' text so far in the database, and their clean-up

A live battle's partial answers are written to its row (at most a few times a
second), so a page served by another worker of ``arena serve --workers N`` streams
them too; rows are removed an hour after their start, so an index on ``started_at``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 05:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("arena_live_jobs", sa.Column("partial_a", sa.Text(), nullable=True))
    op.add_column("arena_live_jobs", sa.Column("partial_b", sa.Text(), nullable=True))
    op.create_index(op.f("ix_arena_live_jobs_started_at"), "arena_live_jobs", ["started_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_arena_live_jobs_started_at"), table_name="arena_live_jobs")
    with op.batch_alter_table("arena_live_jobs") as batch:
        batch.drop_column("partial_b")
        batch.drop_column("partial_a")
