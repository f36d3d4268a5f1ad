"""Alembic environment of the store.

fairclimb runs it through :func:`fairclimb.store._migrate.upgrade_to_head`, which passes
an open connection, already inside a transaction, as ``config.attributes["connection"]``.
Without one (a developer's ``alembic`` command), it opens ``sqlalchemy.url`` itself.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from fairclimb.store._db import make_engine, parse_url
from fairclimb.store._models import UTCDateTime
from fairclimb.store._schema import metadata

config = context.config
target_metadata = metadata


def _render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | bool:
    # A migration must not import the models it predates: write the plain column type
    # that UTCDateTime stores, so that the revision keeps working when models change.
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters a table by rebuilding it; batch mode does that for migrations.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )


def run_offline() -> None:
    context.configure(
        url=parse_url(config.get_main_option("sqlalchemy.url") or ""),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(parse_url(config.get_main_option("sqlalchemy.url") or ""))
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
