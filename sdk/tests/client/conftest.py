"""Clients pointed at the session's running server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from pragma_sdk import AsyncPragmaClient, PragmaClient
from testing.fixtures.server import RunningServer


@pytest.fixture
def client(server: RunningServer) -> Iterator[PragmaClient]:
    with server.client() as sync_client:
        yield sync_client


@pytest.fixture
async def async_client(server: RunningServer) -> AsyncIterator[AsyncPragmaClient]:
    async with server.async_client() as client:
        yield client
