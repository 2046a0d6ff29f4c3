"""Clients for the server that runs provider workers, and a migrated database for tests that
drive the engine directly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from pragma_os.store import Database
from pragma_os.store.migrate import upgrade
from pragma_sdk import PragmaClient
from testing.fixtures.server import RunningServer


@pytest.fixture
def client(engine_server: RunningServer) -> Iterator[PragmaClient]:
    with engine_server.client(timeout=30) as sync_client:
        yield sync_client


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await upgrade(database)
    try:
        yield database
    finally:
        await database.close()
