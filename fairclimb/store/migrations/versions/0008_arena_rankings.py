"""arena rankings: order N answers and score each explanation 1-5

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "arena_rankings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("samples", sa.JSON(), nullable=False),
        sa.Column("ranks", sa.JSON(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ranked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["prompt_id"], ["arena_prompts.id"],
                                name=op.f("fk_arena_rankings_prompt_id_arena_prompts")),
        sa.ForeignKeyConstraint(["rater_id"], ["arena_accounts.id"], ondelete="CASCADE",
                                name=op.f("fk_arena_rankings_rater_id_arena_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arena_rankings")),
    )
    op.create_index(op.f("ix_arena_rankings_rater_id"), "arena_rankings", ["rater_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_arena_rankings_rater_id"), table_name="arena_rankings")
    op.drop_table("arena_rankings")
