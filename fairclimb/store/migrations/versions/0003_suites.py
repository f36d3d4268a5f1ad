"""suites tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suites",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("build", sa.JSON(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_suites")),
    )
    op.create_table(
        "suite_tasks",
        sa.Column("suite", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("task_id", sa.String(length=255), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["suite"], ["suites.name"],
                                name=op.f("fk_suite_tasks_suite_suites"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("suite", "position", name=op.f("pk_suite_tasks")),
    )
    op.create_index(op.f("ix_suite_tasks_task_id"), "suite_tasks", ["task_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_suite_tasks_task_id"), table_name="suite_tasks")
    op.drop_table("suite_tasks")
    op.drop_table("suites")
