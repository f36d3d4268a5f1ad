"""ORM models of the store. The Alembic migrations, not these classes, create the tables;
a test checks that the two agree.

Later parts (arena, data) add their tables here, on the same :class:`Base`, together
with a migration that creates them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "EvalResult", "EvalRun", "Generation", "RegisteredModel", "UTCDateTime"]

# Named constraints, so that a later migration can drop or alter them by name on every
# backend (SQLite's batch mode needs the names to rebuild a table).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SHA256_LEN = 64
RUN_ID_LEN = 32  # uuid4 hex


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that goes in as aware UTC and always comes back aware UTC.

    SQLite keeps no time zone, so a naive value read back is UTC by construction.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps given to the store must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class EvalRun(Base):
    __tablename__ = "eval_runs"

    run_id: Mapped[str] = mapped_column(String(RUN_ID_LEN), primary_key=True)
    suite: Mapped[str] = mapped_column(String(200))
    samples_path: Mapped[str] = mapped_column(Text)
    samples_sha256: Mapped[str] = mapped_column(String(SHA256_LEN), index=True)
    out_dir: Mapped[str] = mapped_column(Text)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    sandbox: Mapped[str] = mapped_column(String(50))
    sandbox_warning: Mapped[str | None] = mapped_column(Text)
    fairclimb_version: Mapped[str] = mapped_column(String(50))
    n_samples: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # none_as_null: an unfinished run has SQL NULL here, not the JSON text 'null'.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class EvalResult(Base):
    __tablename__ = "eval_results"
    __table_args__ = (UniqueConstraint("run_id", "sample_index"),)

    # A surrogate key, so that later tables (arena battles, data records) can point at
    # one result without carrying the pair.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(
        String(RUN_ID_LEN), ForeignKey("eval_runs.run_id", ondelete="CASCADE")
    )
    sample_index: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[str] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(20))
    passed: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text)
    program_sha256: Mapped[str] = mapped_column(String(SHA256_LEN))
    cpu_s: Mapped[float] = mapped_column(Float)
    wall_s: Mapped[float] = mapped_column(Float)
    # Since 0006 a result is stored whole, so a resume from the store alone loses nothing.
    calls: Mapped[int] = mapped_column(Integer, server_default="0")
    cost: Mapped[float | None] = mapped_column(Float)
    cost_measure: Mapped[str] = mapped_column(String(50), server_default="")
    speed_score: Mapped[float | None] = mapped_column(Float)
    fix_distance: Mapped[int | None] = mapped_column(Integer)
    schema_version: Mapped[int] = mapped_column(Integer, server_default="0")


class RegisteredModel(Base):
    """A model in the registry (``fairclimb models add``). Holds the *name* of the
    environment variable with the API key, never the key.
    """

    __tablename__ = "models"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    base_url: Mapped[str] = mapped_column(Text)
    model_id: Mapped[str] = mapped_column(Text)
    api_key_env: Mapped[str | None] = mapped_column(String(200))
    terms: Mapped[str] = mapped_column(String(20))
    terms_url: Mapped[str | None] = mapped_column(Text)
    style: Mapped[str] = mapped_column(String(20))
    backend: Mapped[str] = mapped_column(String(50))
    price_in_per_mtok: Mapped[float | None] = mapped_column(Float)
    price_out_per_mtok: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    provider: Mapped[str | None] = mapped_column(String(200))  # None: the base URL's host


class Generation(Base):
    """One model call, addressed by its content (``CompletionRequest.cache_key``), so a
    resumed run never pays twice for it.
    """

    __tablename__ = "generations"

    cache_key: Mapped[str] = mapped_column(String(SHA256_LEN), primary_key=True)
    model_name: Mapped[str] = mapped_column(String(200), index=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    completion: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
