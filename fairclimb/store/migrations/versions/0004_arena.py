"""arena tables

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "arena_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("pseudonym", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("briefing_version", sa.Integer(), nullable=True),
        sa.Column("briefing_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arena_accounts")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_arena_accounts_pseudonym")),
        sa.UniqueConstraint("username", name=op.f("uq_arena_accounts_username")),
    )
    op.create_table(
        "arena_api_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_arena_api_tokens")),
    )
    op.create_table(
        "arena_briefings",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("pay_per_hour", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_arena_briefings")),
    )
    op.create_table(
        "arena_config",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_arena_config")),
    )
    op.create_table(
        "arena_invites",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_arena_invites")),
    )
    op.create_table(
        "arena_prompts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("prompt_hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("suite", sa.String(length=200), nullable=True),
        sa.Column("task_id", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arena_prompts")),
        sa.UniqueConstraint("prompt_hash", name=op.f("uq_arena_prompts_prompt_hash")),
    )
    op.create_table(
        "arena_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answer_hash", sa.String(length=64), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("origin", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["arena_prompts.id"],
            name=op.f("fk_arena_samples_prompt_id_arena_prompts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arena_samples")),
        sa.UniqueConstraint(
            "prompt_id",
            "model",
            "answer_hash",
            name=op.f("uq_arena_samples_prompt_id_model_answer_hash"),
        ),
    )
    op.create_index(op.f("ix_arena_samples_model"), "arena_samples", ["model"], unique=False)
    op.create_table(
        "arena_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["arena_accounts.id"],
            name=op.f("fk_arena_sessions_account_id_arena_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_arena_sessions")),
    )
    op.create_index(
        op.f("ix_arena_sessions_account_id"), "arena_sessions", ["account_id"], unique=False
    )
    op.create_table(
        "arena_battles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("sample_a", sa.Integer(), nullable=False),
        sa.Column("sample_b", sa.Integer(), nullable=False),
        sa.Column("model_a", sa.String(length=200), nullable=False),
        sa.Column("model_b", sa.String(length=200), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("gold_winner", sa.String(length=20), nullable=True),
        sa.Column("voted", sa.Boolean(), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["arena_prompts.id"],
            name=op.f("fk_arena_battles_prompt_id_arena_prompts"),
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"],
            ["arena_accounts.id"],
            name=op.f("fk_arena_battles_rater_id_arena_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sample_a"], ["arena_samples.id"], name=op.f("fk_arena_battles_sample_a_arena_samples")
        ),
        sa.ForeignKeyConstraint(
            ["sample_b"], ["arena_samples.id"], name=op.f("fk_arena_battles_sample_b_arena_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arena_battles")),
    )
    op.create_index(
        "ix_arena_battles_rater_open", "arena_battles", ["rater_id", "voted"], unique=False
    )
    op.create_table(
        "arena_votes",
        sa.Column("battle_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("winner", sa.String(length=20), nullable=False),
        sa.Column("labels_a", sa.JSON(), nullable=False),
        sa.Column("labels_b", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("correction", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("flag", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["battle_id"],
            ["arena_battles.id"],
            name=op.f("fk_arena_votes_battle_id_arena_battles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"],
            ["arena_accounts.id"],
            name=op.f("fk_arena_votes_rater_id_arena_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("battle_id", name=op.f("pk_arena_votes")),
    )
    op.create_index(op.f("ix_arena_votes_rater_id"), "arena_votes", ["rater_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_arena_votes_rater_id"), table_name="arena_votes")
    op.drop_table("arena_votes")
    op.drop_index("ix_arena_battles_rater_open", table_name="arena_battles")
    op.drop_table("arena_battles")
    op.drop_index(op.f("ix_arena_sessions_account_id"), table_name="arena_sessions")
    op.drop_table("arena_sessions")
    op.drop_index(op.f("ix_arena_samples_model"), table_name="arena_samples")
    op.drop_table("arena_samples")
    op.drop_table("arena_prompts")
    op.drop_table("arena_invites")
    op.drop_table("arena_config")
    op.drop_table("arena_briefings")
    op.drop_table("arena_api_tokens")
    op.drop_table("arena_accounts")
