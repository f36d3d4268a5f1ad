"""ladder reservations: a submission's daily slot, taken before it is evaluated

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 00:55:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ladder_reservations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("board", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["board"], ["ladder_boards.name"],
                                name=op.f("fk_ladder_reservations_board_ladder_boards")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ladder_reservations")),
    )
    op.create_index(op.f("ix_ladder_reservations_board"), "ladder_reservations", ["board"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ladder_reservations_board"), table_name="ladder_reservations")
    op.drop_table("ladder_reservations")
