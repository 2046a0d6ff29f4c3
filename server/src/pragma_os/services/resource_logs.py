"""Following a resource's logs: the provider is asked again and again for what is new."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import orjson

from pragma_os.auth import Principal
from pragma_os.errors import ProviderUnavailableError
from pragma_os.services.provider_queries import QueryBroker

FOLLOW_INTERVAL_SECONDS = 1.0
# New lines per poll are at most this many; a provider logging faster is sampled, not queued.
FOLLOW_BATCH = 1000


def _message(kind: str, data: Any) -> bytes:
    return b"event: %s\ndata: %s\n\n" % (kind.encode(), orjson.dumps(data))


async def follow_logs(
    broker: QueryBroker,
    principal: Principal,
    document: dict[str, Any],
    first: list[dict[str, Any]],
    *,
    since: datetime | None,
    interval: float = FOLLOW_INTERVAL_SECONDS,
) -> AsyncIterator[bytes]:
    """Yield ``log`` events: ``first`` (already fetched), then every later line, until the client goes.

    Each poll asks for lines after the newest timestamp seen, so lines sharing that exact
    timestamp with an earlier one are not repeated. While the provider cannot answer, an
    ``error`` event says so and following goes on.
    """
    entries = first
    while True:
        for entry in entries:
            yield _message("log", entry)
        if entries:
            since = max(datetime.fromisoformat(entry["timestamp"]) for entry in entries)
        await asyncio.sleep(interval)
        try:
            entries = await broker.ask(principal, document, "logs", since=since, tail=FOLLOW_BATCH)
        except ProviderUnavailableError as error:
            yield _message("error", {"message": error.message})
            entries = []
        else:
            entries.sort(key=lambda entry: datetime.fromisoformat(entry["timestamp"]))
