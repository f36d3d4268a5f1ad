"""ladder boards and their submissions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ladder_boards",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("suite", sa.String(length=200), nullable=False),
        sa.Column("split", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("max_per_day", sa.Integer(), nullable=False),
        sa.Column("task_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ladder_boards")),
    )
    op.create_table(
        "ladder_submissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("board", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("task_scores", sa.JSON(), nullable=False),
        sa.Column("step", sa.Float(), nullable=False),
        sa.Column("released_score", sa.Float(), nullable=False),
        sa.Column("improved", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["board"], ["ladder_boards.name"],
                                name=op.f("fk_ladder_submissions_board_ladder_boards")),
        sa.ForeignKeyConstraint(["run_id"], ["eval_runs.run_id"],
                                name=op.f("fk_ladder_submissions_run_id_eval_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ladder_submissions")),
        sa.UniqueConstraint("board", "team", "number",
                            name=op.f("uq_ladder_submissions_board_team_number")),
    )
    op.create_index(op.f("ix_ladder_submissions_board"), "ladder_submissions", ["board"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ladder_submissions_board"), table_name="ladder_submissions")
    op.drop_table("ladder_submissions")
    op.drop_table("ladder_boards")
