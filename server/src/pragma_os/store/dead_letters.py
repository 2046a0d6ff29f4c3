"""Queries on dead letters: events that failed for good, kept for inspection and retry."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.tables import dead_letters
from pragma_os.store.types import Row, first_row, plain_dict


async def list_dead_letters(
    connection: AsyncConnection, organization_id: str, provider: str | None
) -> list[Row]:
    """Dead letters of an organization, newest first."""
    query = select(dead_letters).where(dead_letters.c.organization_id == organization_id)
    if provider is not None:
        query = query.where(dead_letters.c.provider == provider)
    query = query.order_by(dead_letters.c.failed_at.desc(), dead_letters.c.pk.desc())
    return [plain_dict(row) for row in (await connection.execute(query)).mappings()]


async def get_dead_letter(connection: AsyncConnection, organization_id: str, event_id: str) -> Row | None:
    """One dead letter by its event id."""
    query = select(dead_letters).where(
        dead_letters.c.organization_id == organization_id, dead_letters.c.event_id == event_id
    )
    return await first_row(connection, query)


async def delete_dead_letters(
    connection: AsyncConnection,
    organization_id: str,
    *,
    event_id: str | None = None,
    provider: str | None = None,
    resource_id: str | None = None,
) -> int:
    """Remove dead letters matching the filters; returns how many."""
    conditions = [dead_letters.c.organization_id == organization_id]
    if event_id is not None:
        conditions.append(dead_letters.c.event_id == event_id)
    if provider is not None:
        conditions.append(dead_letters.c.provider == provider)
    if resource_id is not None:
        conditions.append(dead_letters.c.resource_id == resource_id)
    count = (await connection.execute(select(func.count()).where(*conditions))).scalar_one()
    if count:
        await connection.execute(delete(dead_letters).where(*conditions))
    return int(count)
