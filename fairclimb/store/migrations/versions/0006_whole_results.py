"""eval results stored whole: calls, cost, speed score, fix distance, schema version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00.000000

Rows stored before this keep ``schema_version`` 0: their cost fields were never kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("calls", "cost", "cost_measure", "speed_score", "fix_distance", "schema_version")


def upgrade() -> None:
    with op.batch_alter_table("eval_results") as batch:
        batch.add_column(sa.Column("calls", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("cost", sa.Float(), nullable=True))
        batch.add_column(sa.Column("cost_measure", sa.String(length=50), server_default="",
                                   nullable=False))
        batch.add_column(sa.Column("speed_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("fix_distance", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("schema_version", sa.Integer(), server_default="0",
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("eval_results") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column)
