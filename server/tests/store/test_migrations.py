"""The Alembic migrations produce exactly the schema the store's tables describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from pragma_os.store import Database
from pragma_os.store.migrate import upgrade
from pragma_os.store.tables import metadata


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_migrated_schema_matches_tables(database_url: str) -> None:
    database = Database(database_url)
    try:
        await upgrade(database)
        await upgrade(database)  # a second run is a no-op
        async with database.reading() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await database.close()
