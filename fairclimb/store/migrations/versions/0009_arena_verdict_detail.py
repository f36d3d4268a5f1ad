"""arena answers keep their verdict's status and detail (timeout, crashed…), not only
passed/failed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:35:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("arena_samples") as batch:
        batch.add_column(sa.Column("verdict_status", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("verdict_detail", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("arena_samples") as batch:
        batch.drop_column("verdict_detail")
        batch.drop_column("verdict_status")
