"""Queries on worker presence: which workers poll for which providers, on any replica."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.dialect import insert_or_update
from pragma_os.store.tables import worker_presence


async def renew(
    connection: AsyncConnection,
    organization_id: str,
    providers: Sequence[str],
    worker_id: str,
    expires_at: datetime,
) -> None:
    """The worker polls for these providers; count it present until ``expires_at``."""
    rows = [
        {
            "organization_id": organization_id,
            "provider": provider,
            "worker_id": worker_id,
            "expires_at": expires_at,
        }
        for provider in sorted(set(providers))
    ]
    await connection.execute(insert_or_update(connection, worker_presence, ["expires_at"]), rows)


async def any_present(
    connection: AsyncConnection, organization_id: str, provider: str, now: datetime
) -> bool:
    """Whether a worker of the provider is present now, on any replica."""
    query = (
        select(worker_presence.c.worker_id)
        .where(
            worker_presence.c.organization_id == organization_id,
            worker_presence.c.provider == provider,
            worker_presence.c.expires_at > now,
        )
        .limit(1)
    )
    return (await connection.execute(query)).first() is not None


async def prune(connection: AsyncConnection, before: datetime) -> int:
    """Forget workers gone since before ``before``; returns how many rows went."""
    result = await connection.execute(delete(worker_presence).where(worker_presence.c.expires_at < before))
    return int(result.rowcount or 0)
