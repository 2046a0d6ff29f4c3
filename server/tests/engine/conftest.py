"""Clients for the server that runs provider workers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pragma_sdk import PragmaClient
from testing.fixtures.server import RunningServer


@pytest.fixture
def client(engine_server: RunningServer) -> Iterator[PragmaClient]:
    with PragmaClient(base_url=engine_server.url, auth_token=engine_server.token, timeout=30) as sync_client:
        yield sync_client
