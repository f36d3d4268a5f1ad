"""Tables of the arena part. Created by their Alembic migration, never by these classes.

Secrets (session, invite and API tokens) are stored only as their SHA-256, passwords
only as their argon2id hash: a copy of the database lets nobody log in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fairclimb.store._models import SHA256_LEN, Base, UTCDateTime

__all__ = [
    "ArenaAccount",
    "ArenaApiToken",
    "ArenaBattle",
    "ArenaBriefing",
    "ArenaConfig",
    "ArenaInvite",
    "ArenaPrompt",
    "ArenaSample",
    "ArenaSession",
    "ArenaSigninFailure",
    "ArenaVote",
    "ArenaVoteChain",
]

_NAME = 200


class ArenaAccount(Base):
    __tablename__ = "arena_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(_NAME), unique=True)
    pseudonym: Mapped[str] = mapped_column(String(_NAME), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    briefing_version: Mapped[int | None] = mapped_column(Integer)
    briefing_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ArenaInvite(Base):
    __tablename__ = "arena_invites"

    token_hash: Mapped[str] = mapped_column(String(SHA256_LEN), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArenaSession(Base):
    __tablename__ = "arena_sessions"

    token_hash: Mapped[str] = mapped_column(String(SHA256_LEN), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("arena_accounts.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArenaApiToken(Base):
    __tablename__ = "arena_api_tokens"

    token_hash: Mapped[str] = mapped_column(String(SHA256_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(_NAME))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArenaBriefing(Base):
    """One version of the briefing raters consent to; the newest one is in force."""

    __tablename__ = "arena_briefings"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
    recipients: Mapped[str] = mapped_column(Text)
    pay_per_hour: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArenaConfig(Base):
    """Arena settings an admin changes while it runs (gold rate, QC thresholds)."""

    __tablename__ = "arena_config"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class ArenaPrompt(Base):
    __tablename__ = "arena_prompts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prompt_hash: Mapped[str] = mapped_column(String(SHA256_LEN), unique=True)
    text: Mapped[str] = mapped_column(Text)
    suite: Mapped[str | None] = mapped_column(String(_NAME))
    task_id: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArenaSample(Base):
    """One model's answer to one prompt; ``passed`` is its known test verdict, if any."""

    __tablename__ = "arena_samples"
    __table_args__ = (UniqueConstraint("prompt_id", "model", "answer_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prompt_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("arena_prompts.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(_NAME), index=True)
    answer: Mapped[str] = mapped_column(Text)
    answer_hash: Mapped[str] = mapped_column(String(SHA256_LEN))
    passed: Mapped[bool | None] = mapped_column(Boolean)
    # the verdict's status (passed, failed, timeout, crashed…) and what the tests said
    verdict_status: Mapped[str | None] = mapped_column(String(20))
    verdict_detail: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArenaBattle(Base):
    """Two answers to one prompt shown to one rater; sides as shown (a = left)."""

    __tablename__ = "arena_battles"
    # At most one open task per rater, whatever races the web workers run: the
    # database refuses a second (a partial unique index, SQLite and PostgreSQL alike).
    __table_args__ = (Index("ix_arena_battles_rater_open", "rater_id", "voted"),
                      Index("ux_arena_battles_one_open", "rater_id", unique=True,
                            sqlite_where=text("voted = false"),
                            postgresql_where=text("voted = false")))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rater_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("arena_accounts.id", ondelete="CASCADE"))
    prompt_id: Mapped[int] = mapped_column(Integer, ForeignKey("arena_prompts.id"))
    sample_a: Mapped[int] = mapped_column(Integer, ForeignKey("arena_samples.id"))
    sample_b: Mapped[int] = mapped_column(Integer, ForeignKey("arena_samples.id"))
    model_a: Mapped[str] = mapped_column(String(_NAME))
    model_b: Mapped[str] = mapped_column(String(_NAME))
    probability: Mapped[float] = mapped_column(Float)
    gold_winner: Mapped[str | None] = mapped_column(String(20))
    voted: Mapped[bool] = mapped_column(Boolean)
    served_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArenaVote(Base):
    __tablename__ = "arena_votes"
    # The raters whose votes quality control has still to check: a small index, empty
    # between passes.
    __table_args__ = (Index("ix_arena_votes_unchecked", "rater_id",
                            sqlite_where=text("informed IS NULL"),
                            postgresql_where=text("informed IS NULL")),)

    battle_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("arena_battles.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    rater_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("arena_accounts.id", ondelete="CASCADE"), index=True)
    winner: Mapped[str] = mapped_column(String(20))
    labels_a: Mapped[list[str]] = mapped_column(JSON)
    labels_b: Mapped[list[str]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text)
    correction: Mapped[str] = mapped_column(Text)
    seconds: Mapped[float] = mapped_column(Float)
    flag: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The terms the work was done under: pay is owed at these, not at today's rate.
    briefing_version: Mapped[int | None] = mapped_column(Integer)
    pay_per_hour: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(10))
    # The tamper-evident log (see _vote_chain): place in the chain, previous vote's hash
    # and this vote's hash. Null only on rows written outside the arena.
    chain_seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(SHA256_LEN))
    vote_hash: Mapped[str | None] = mapped_column(String(SHA256_LEN))
    # Quality control's vote-level verdicts beyond gold (the battle's) and fast (``flag``),
    # written by its pass (see ``_arena_quality``); NULL until the pass has checked it.
    informed: Mapped[bool | None] = mapped_column(Boolean)
    overlaps: Mapped[bool | None] = mapped_column(Boolean)


class ArenaVoteChain(Base):
    """The vote chain's head, one row: votes linked so far and the last one's hash.
    Every vote locks it, so concurrent votes take consecutive places."""

    __tablename__ = "arena_vote_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(SHA256_LEN))


class ArenaSigninFailure(Base):
    """A failed sign-in, keyed ``account:NAME`` or ``address:IP``: the lockout counts
    these in the database, so it holds across server processes."""

    __tablename__ = "arena_signin_failures"
    __table_args__ = (Index("ix_arena_signin_failures_key", "key", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
