"""arena integrity: one open task per rater, pay terms on each vote, sign-in failures,
disabled accounts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:30:00.000000

Before the unique index is made, a rater's extra open battles (only possible before
this revision, from concurrent requests) are deleted: they hold no vote.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("voted = false")


def upgrade() -> None:
    op.execute(
        "DELETE FROM arena_battles WHERE voted = false AND id NOT IN "
        "(SELECT MIN(id) FROM arena_battles WHERE voted = false GROUP BY rater_id)")
    op.create_index("ux_arena_battles_one_open", "arena_battles", ["rater_id"], unique=True,
                    sqlite_where=_OPEN, postgresql_where=_OPEN)
    with op.batch_alter_table("arena_votes") as batch:
        batch.add_column(sa.Column("briefing_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pay_per_hour", sa.Float(), nullable=True))
        batch.add_column(sa.Column("currency", sa.String(length=10), nullable=True))
    with op.batch_alter_table("arena_accounts") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "arena_signin_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arena_signin_failures")),
    )
    op.create_index("ix_arena_signin_failures_key", "arena_signin_failures",
                    ["key", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_arena_signin_failures_key", table_name="arena_signin_failures")
    op.drop_table("arena_signin_failures")
    with op.batch_alter_table("arena_accounts") as batch:
        batch.drop_column("disabled_at")
    with op.batch_alter_table("arena_votes") as batch:
        for column in ("currency", "pay_per_hour", "briefing_version"):
            batch.drop_column(column)
    op.drop_index("ux_arena_battles_one_open", table_name="arena_battles")
