"""eval runs and results

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:27:11.640731
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eval_runs",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("suite", sa.String(length=200), nullable=False),
        sa.Column("samples_path", sa.Text(), nullable=False),
        sa.Column("samples_sha256", sa.String(length=64), nullable=False),
        sa.Column("out_dir", sa.Text(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("sandbox", sa.String(length=50), nullable=False),
        sa.Column("sandbox_warning", sa.Text(), nullable=True),
        sa.Column("fairclimb_version", sa.String(length=50), nullable=False),
        sa.Column("n_samples", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(none_as_null=True), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_eval_runs")),
    )
    op.create_index(op.f("ix_eval_runs_samples_sha256"), "eval_runs", ["samples_sha256"])
    op.create_index(op.f("ix_eval_runs_started_at"), "eval_runs", ["started_at"])

    op.create_table(
        "eval_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("sample_index", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("program_sha256", sa.String(length=64), nullable=False),
        sa.Column("cpu_s", sa.Float(), nullable=False),
        sa.Column("wall_s", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["eval_runs.run_id"],
            name=op.f("fk_eval_results_run_id_eval_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eval_results")),
        sa.UniqueConstraint(
            "run_id", "sample_index", name=op.f("uq_eval_results_run_id_sample_index")
        ),
    )
    op.create_index(op.f("ix_eval_results_task_id"), "eval_results", ["task_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_eval_results_task_id"), table_name="eval_results")
    op.drop_table("eval_results")
    op.drop_index(op.f("ix_eval_runs_started_at"), table_name="eval_runs")
    op.drop_index(op.f("ix_eval_runs_samples_sha256"), table_name="eval_runs")
    op.drop_table("eval_runs")
