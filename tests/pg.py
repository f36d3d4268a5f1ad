"""A fresh PostgreSQL database per test, on the server named by FAIRCLIMB_TEST_POSTGRES_URL.

``.ci/run`` starts PostgreSQL on loopback and sets the variable; without it the
PostgreSQL variants of the store tests are skipped, saying so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

ENV = "FAIRCLIMB_TEST_POSTGRES_URL"


@contextmanager
def fresh_database() -> Iterator[str]:
    """Create an empty database on the test server, yield its URL, then drop it."""
    server = os.environ.get(ENV)
    if not server:
        pytest.skip(f"{ENV} is not set (.ci/run sets it after starting PostgreSQL)")
    from sqlalchemy import create_engine, make_url, text

    admin_url = make_url(server)
    name = f"fc_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            drop_database(conn, name)
        admin.dispose()


# Only client connections: an autovacuum worker busy on a new database's tables belongs to
# the bootstrap superuser, and terminating it (pg_terminate_backend, or DROP DATABASE ...
# WITH (FORCE)) is refused to a plain user; DROP DATABASE cancels autovacuum by itself.
CLIENTS = "backend_type = 'client backend'"


def drop_database(conn: Any, name: str) -> None:
    """Drop *name* after ending the client connections to it (a test's store left open)."""
    from sqlalchemy import text

    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      f"WHERE datname = :name AND {CLIENTS}"), {"name": name})
    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
