"""quality control's verdicts stored: each vote's informed/overlaps, each rater's flags

Existing votes get NULL verdicts (not checked yet): quality control's pass, which runs
before the ratings or the leaderboard are read from the store, checks them then, with
today's rules, once; the raters' flags are written by the same pass.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("arena_votes") as batch:
        batch.add_column(sa.Column("informed", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("overlaps", sa.Boolean(), nullable=True))
    op.create_index("ix_arena_votes_unchecked", "arena_votes", ["rater_id"],
                    sqlite_where=sa.text("informed IS NULL"),
                    postgresql_where=sa.text("informed IS NULL"))
    op.create_table(
        "arena_rater_flags",
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["rater_id"], ["arena_accounts.id"],
                                name=op.f("fk_arena_rater_flags_rater_id_arena_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("rater_id", "position", name=op.f("pk_arena_rater_flags")),
    )


def downgrade() -> None:
    op.drop_table("arena_rater_flags")
    op.drop_index("ix_arena_votes_unchecked", table_name="arena_votes")
    with op.batch_alter_table("arena_votes") as batch:
        batch.drop_column("overlaps")
        batch.drop_column("informed")
