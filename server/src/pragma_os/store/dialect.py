"""The few places where SQLite and PostgreSQL differ, in one module."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Insert, Table, event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from pragma_os.store.sqlite_inline import inline_dbapi


def is_sqlite(url: str) -> bool:
    """Whether ``url`` points at SQLite."""
    return url.startswith("sqlite")


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite ``url`` points at (absolute); ``None`` for other databases and memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def safe_url(url: str) -> str:
    """``url`` with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_engine(url: str) -> AsyncEngine:
    """An async engine tuned for its database; JSON columns go through orjson."""
    json = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if not is_sqlite(url):
        return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, **json)
    engine = create_async_engine(url, pool_size=8, max_overflow=0, module=inline_dbapi(), **json)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer; NORMAL sync is durable in WAL mode
    # except for the last transactions on power loss, the usual embedded trade-off.
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=10000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


async def lock_for_migration(connection: AsyncConnection) -> None:
    """Keep two replicas from migrating one PostgreSQL database at the same time."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(7264217)"))


_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure


def is_retryable_conflict(error: DBAPIError) -> bool:
    """Whether PostgreSQL aborted the transaction only because it crossed another one."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in _RETRYABLE_SQLSTATES or "deadlock detected" in str(error.orig)


def insert_or_update(connection: AsyncConnection, table: Table, update: Sequence[str]) -> Insert:
    """An insert of ``table`` rows that updates the ``update`` columns of a row already there
    (same primary key) instead of failing; the same SQL on both databases, built by each dialect."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    upsert: Insert = statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={name: statement.excluded[name] for name in update},
    )
    return upsert
