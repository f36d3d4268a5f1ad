"""data tables

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_records",
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("licence", sa.String(length=200), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_data_records")),
    )
    op.create_table(
        "data_datasets",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_datasets")),
    )
    op.create_table(
        "data_members",
        sa.Column("dataset", sa.String(length=200), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dataset"], ["data_datasets.name"],
                                name=op.f("fk_data_members_dataset_data_datasets"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_id"], ["data_records.record_id"],
                                name=op.f("fk_data_members_record_id_data_records")),
        sa.PrimaryKeyConstraint("dataset", "source_key", name=op.f("pk_data_members")),
    )
    op.create_index(op.f("ix_data_members_record_id"), "data_members", ["record_id"])
    op.create_table(
        "data_contamination",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=200), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dataset"], ["data_datasets.name"],
                                name=op.f("fk_data_contamination_dataset_data_datasets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_contamination")),
    )
    op.create_index(op.f("ix_data_contamination_dataset"), "data_contamination", ["dataset"])


def downgrade() -> None:
    op.drop_index(op.f("ix_data_contamination_dataset"), table_name="data_contamination")
    op.drop_table("data_contamination")
    op.drop_index(op.f("ix_data_members_record_id"), table_name="data_members")
    op.drop_table("data_members")
    op.drop_table("data_datasets")
    op.drop_table("data_records")
