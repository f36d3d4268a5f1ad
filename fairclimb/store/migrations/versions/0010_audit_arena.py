"""audit arena: a tamper-evident vote log (each vote's hash chained to the previous),
and each registered model's provider

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:30:00.000000

Votes stored before this revision are linked here, oldest first, so the chain covers
every vote from the start.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fairclimb.store._vote_chain import CONTENT, GENESIS, vote_hash

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("arena_votes") as batch:
        batch.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("vote_hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_arena_votes_chain_seq"), ["chain_seq"])
    with op.batch_alter_table("models") as batch:
        batch.add_column(sa.Column("provider", sa.String(length=200), nullable=True))
    head = op.create_table(
        "arena_vote_chain",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arena_vote_chain")),
    )
    seq, previous = _link_existing()
    op.bulk_insert(head, [{"id": 1, "seq": seq, "head_hash": previous}])


def _link_existing() -> tuple[int, str]:
    bind = op.get_bind()
    meta = sa.MetaData()
    votes = sa.Table("arena_votes", meta, autoload_with=bind)
    battles = sa.Table("arena_battles", meta, autoload_with=bind)
    own = [votes.c[k] for k in CONTENT if k not in ("model_a", "model_b")]
    rows = bind.execute(sa.select(*own, battles.c.model_a, battles.c.model_b)
                        .join(battles, battles.c.id == votes.c.battle_id)
                        .order_by(votes.c.created_at, votes.c.battle_id)).all()
    seq, previous = 0, GENESIS
    for row in rows:
        seq += 1
        digest = vote_hash(row._mapping, seq, previous)
        bind.execute(sa.update(votes).where(votes.c.battle_id == row.battle_id)
                     .values(chain_seq=seq, prev_hash=previous, vote_hash=digest))
        previous = digest
    return seq, previous


def downgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.drop_column("provider")
    op.drop_table("arena_vote_chain")
    with op.batch_alter_table("arena_votes") as batch:
        batch.drop_constraint(op.f("uq_arena_votes_chain_seq"), type_="unique")
        for column in ("vote_hash", "prev_hash", "chain_seq"):
            batch.drop_column(column)
