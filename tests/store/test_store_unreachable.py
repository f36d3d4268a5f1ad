"""A database that drops its connections (PostgreSQL restarted, sessions terminated):
a pooled connection the server closed while it was idle is replaced when it is taken
from the pool, so the next call after the database is back works; a connection lost
inside a transaction fails that call with DatabaseUnreachable, one sentence without the
driver's details, and the call after it works."""

from __future__ import annotations

import pytest
from pg import fresh_database
from pg_proxy import relayed
from sqlalchemy import create_engine, make_url, text

from fairclimb.store import DatabaseUnreachable, Store


def _terminate_others(url: str) -> None:
    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                "datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"))
    finally:
        admin.dispose()


def test_connections_dropped_while_idle_are_replaced_before_the_next_call() -> None:
    with fresh_database() as url, Store.open(url) as store:
        store.list_runs()
        _terminate_others(url)
        assert store.list_runs() == []  # no failure: the dead connection never served


def test_an_outage_between_calls_costs_no_call() -> None:
    """The database goes away and comes back while the store is idle: the first call
    after it works (its pooled connections are dead, and are replaced)."""
    with fresh_database() as server, relayed(server) as (url, relay), Store.open(url) as store:
        store.list_runs()
        relay.cut()
        relay.restore()
        assert store.list_runs() == []
        relay.cut()
        with pytest.raises(DatabaseUnreachable, match="check that it is reachable") as lost:
            store.list_runs()  # still away: one sentence
        assert f":{make_url(url).password}@" not in str(lost.value)  # password masked
        relay.restore()
        assert store.list_runs() == []


def test_a_connection_lost_inside_a_transaction_fails_that_call_only() -> None:
    with fresh_database() as url, Store.open(url) as store:
        with pytest.raises(DatabaseUnreachable, match="check that it is reachable") as lost, \
                store.connection("reading runs") as connection:
            connection.execute(text("SELECT 1"))
            _terminate_others(url)
            connection.execute(text("SELECT 1"))
        assert f":{make_url(url).password}@" not in str(lost.value)  # password masked
        assert store.list_runs() == []
