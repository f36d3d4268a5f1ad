"""The arena's ranking tasks: a rater orders N answers to one prompt and scores each
answer's explanation from 1 to 5. Created by migration 0008, never by these classes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from fairclimb.store._models import Base, UTCDateTime

__all__ = ["ArenaRanking"]


class ArenaRanking(Base):
    """N answers shown to one rater in the stored order; ``ranks`` (1 = best, equal
    numbers for ties) and ``explanation`` (1-5 per answer) once submitted."""

    __tablename__ = "arena_rankings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rater_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("arena_accounts.id", ondelete="CASCADE"), index=True)
    prompt_id: Mapped[int] = mapped_column(Integer, ForeignKey("arena_prompts.id"))
    samples: Mapped[list[int]] = mapped_column(JSON)
    ranks: Mapped[list[int] | None] = mapped_column(JSON)
    explanation: Mapped[list[int] | None] = mapped_column(JSON)
    seconds: Mapped[float | None] = mapped_column(Float)
    served_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ranked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
