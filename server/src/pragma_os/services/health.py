"""Health of the server's dependencies."""

from __future__ import annotations

from pragma_os.store import Database


async def check(database: Database) -> None:
    """Raise when the database does not answer."""
    await database.ping()
