"""The history of every resource: rows written with the transitions (``engine/history.py``),
read newest first in keyset pages, trimmed by age."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.direct import execute
from pragma_os.store.tables import resource_history
from pragma_os.store.types import Row, plain_dict

_INSERT = insert(resource_history)


async def insert_history(connection: AsyncConnection, rows: Sequence[Row]) -> None:
    """Record a transaction's transitions, in one statement."""
    if rows:
        await execute(connection, _INSERT, list(rows))


async def history_page(
    connection: AsyncConnection, organization_id: str, resource_id: str, *, before: int | None, limit: int
) -> list[Row]:
    """A resource's history, newest first: at most ``limit`` rows older than ``before``."""
    query = select(resource_history).where(
        resource_history.c.organization_id == organization_id, resource_history.c.resource_id == resource_id
    )
    if before is not None:
        query = query.where(resource_history.c.id < before)
    query = query.order_by(resource_history.c.id.desc()).limit(limit)
    return [plain_dict(row) for row in (await connection.execute(query)).mappings()]


async def has_history(connection: AsyncConnection, organization_id: str, resource_id: str) -> bool:
    """Whether a resource (deleted since, perhaps) has any history left."""
    query = (
        select(resource_history.c.id)
        .where(
            resource_history.c.organization_id == organization_id,
            resource_history.c.resource_id == resource_id,
        )
        .limit(1)
    )
    return (await connection.execute(query)).first() is not None


async def prune_history(connection: AsyncConnection, before: datetime) -> None:
    """Forget history recorded before ``before``."""
    await connection.execute(delete(resource_history).where(resource_history.c.at < before))
