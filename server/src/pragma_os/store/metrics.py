"""Counts for the metrics read at scrape time: a few GROUP BY queries over every organization."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.tables import dead_letters, events, resources, worker_presence


async def resources_by_state(connection: AsyncConnection) -> list[tuple[str, str, str, int]]:
    """``(provider, resource type, lifecycle state, count)`` of every stored resource."""
    query = select(
        resources.c.provider, resources.c.resource, resources.c.lifecycle_state, func.count()
    ).group_by(resources.c.provider, resources.c.resource, resources.c.lifecycle_state)
    return [(row[0], row[1], row[2], int(row[3])) for row in await connection.execute(query)]


async def events_by_status(connection: AsyncConnection) -> list[tuple[str, str, int]]:
    """``(provider, status, count)`` of the event queue: ``queued`` or ``leased``."""
    query = select(events.c.provider, events.c.status, func.count()).group_by(
        events.c.provider, events.c.status
    )
    return [(row[0], row[1], int(row[2])) for row in await connection.execute(query)]


async def dead_letters_by_provider(connection: AsyncConnection) -> list[tuple[str, int]]:
    """``(provider, count)`` of the dead letters kept."""
    query = select(dead_letters.c.provider, func.count()).group_by(dead_letters.c.provider)
    return [(row[0], int(row[1])) for row in await connection.execute(query)]


async def present_workers(connection: AsyncConnection, now: datetime) -> list[tuple[str, str]]:
    """``(provider, worker id)`` of every worker polling for a provider now, on any replica."""
    query = (
        select(worker_presence.c.provider, worker_presence.c.worker_id)
        .distinct()
        .where(worker_presence.c.expires_at > now)
    )
    return [(row[0], row[1]) for row in await connection.execute(query)]
