"""A database that drops its connections (PostgreSQL restarted, sessions terminated):
the call that finds its connection dead fails with DatabaseUnreachable, one sentence
without the driver's details, and the store reconnects for the next call."""

from __future__ import annotations

import pytest
from pg import fresh_database
from sqlalchemy import create_engine, make_url, text

from fairclimb.store import DatabaseUnreachable, Store


def test_dropped_connections_fail_one_call_then_the_store_reconnects() -> None:
    with fresh_database() as url, Store.open(url) as store:
        store.list_runs()
        admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                    "datname = current_database() AND pid <> pg_backend_pid()"))
        finally:
            admin.dispose()
        with pytest.raises(DatabaseUnreachable, match="check that it is reachable") as lost:
            store.list_runs()
        assert f":{make_url(url).password}@" not in str(lost.value)  # password masked
        assert store.list_runs() == []  # the pool was replaced: the next call works

