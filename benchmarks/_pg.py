"""A throwaway database on a PostgreSQL server, for the benchmarks that measure on one
(imported from beside them: Python puts a script's folder on sys.path)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text


@contextmanager
def postgres_database(server: str, prefix: str) -> Iterator[str]:
    """Create a new database on *server* (a URL), yield its URL, then drop it."""
    admin_url = make_url(server)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            # client connections only: autovacuum's worker is the superuser's, and
            # DROP DATABASE cancels it by itself (WITH (FORCE) is refused to a plain user)
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                              "datname = :name AND backend_type = 'client backend'"),
                         {"name": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
