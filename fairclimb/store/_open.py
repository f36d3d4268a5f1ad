"""Opening a store's database: an engine for the URL, migrated to the newest schema,
or one clear error saying what to fix."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, NoSuchModuleError

from fairclimb.errors import StoreError
from fairclimb.store._db import display_url, make_engine, parse_url, reason
from fairclimb.store._migrate import UnknownRevision, upgrade_to_head

__all__ = ["open_engine"]


def open_engine(url: str) -> Engine:
    """A migrated engine for ``url``, or :class:`StoreError` saying what to fix."""
    parsed = parse_url(url)
    shown = display_url(parsed)
    try:
        engine = make_engine(parsed)
    except NoSuchModuleError as exc:
        raise StoreError(
            f"Cannot use the database URL {shown}: SQLAlchemy knows no database "
            f"{parsed.drivername!r}; use a file path, sqlite:///PATH or "
            "postgresql+psycopg://user@host/database."
        ) from exc
    except ImportError as exc:
        how = (
            "pip install 'fairclimb[postgres]'"
            if parsed.get_backend_name() == "postgresql"
            else "install it into fairclimb's environment"
        )
        raise StoreError(
            f"Cannot open the database at {shown}: its driver {exc.name or ''} is not "
            f"installed; {how}."
        ) from exc
    try:
        upgrade_to_head(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise StoreError(
            f"Cannot open the database at {shown} ({reason(exc, parsed)}); {_fix(exc, parsed)}."
        ) from exc
    except UnknownRevision as exc:
        engine.dispose()
        raise StoreError(
            f"Cannot migrate the database at {shown}: its schema is not one this fairclimb "
            f"knows ({exc}); upgrade fairclimb, or use another database."
        ) from exc
    except BaseException:
        engine.dispose()
        raise
    return engine


def _fix(exc: DBAPIError, url: URL) -> str:
    if "locked" in str(exc.orig):
        return "another program holds it locked; let that program finish, then try again"
    if url.get_backend_name() == "sqlite":
        where = Path(url.database or ".").expanduser().absolute().parent
        return (
            f"check that the folder {where} exists and is writable and that the file, if "
            "it exists, is a SQLite database, or choose another path"
        )
    return "check that the server is up and that the host, database, user and password are right"
