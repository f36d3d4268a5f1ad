"""model registry and generation cache

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:35:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("model_id", sa.Text(), nullable=False),
        sa.Column("api_key_env", sa.String(length=200), nullable=True),
        sa.Column("terms", sa.String(length=20), nullable=False),
        sa.Column("terms_url", sa.Text(), nullable=True),
        sa.Column("style", sa.String(length=20), nullable=False),
        sa.Column("backend", sa.String(length=50), nullable=False),
        sa.Column("price_in_per_mtok", sa.Float(), nullable=True),
        sa.Column("price_out_per_mtok", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_models")),
    )
    op.create_table(
        "generations",
        sa.Column("cache_key", sa.String(length=64), nullable=False),
        sa.Column("model_name", sa.String(length=200), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("completion", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cache_key", name=op.f("pk_generations")),
    )
    op.create_index(op.f("ix_generations_model_name"), "generations", ["model_name"])


def downgrade() -> None:
    op.drop_index(op.f("ix_generations_model_name"), table_name="generations")
    op.drop_table("generations")
    op.drop_table("models")
