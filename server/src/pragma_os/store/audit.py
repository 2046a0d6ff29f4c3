"""Queries on the organization's audit (``audit_events``): written with the change they
record, read newest first in keyset pages, trimmed by age."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.direct import execute
from pragma_os.store.tables import audit_events
from pragma_os.store.types import Row, plain_dict

_INSERT = insert(audit_events)


async def insert_audit_events(connection: AsyncConnection, entries: Sequence[Row]) -> None:
    """Record ``entries`` (``audit_events`` columns but ``id``) in the caller's transaction."""
    if entries:
        await execute(connection, _INSERT, list(entries))


async def list_audit_events(
    connection: AsyncConnection,
    organization_id: str,
    *,
    before: int | None,
    limit: int,
    action: str | None = None,
) -> list[Row]:
    """Up to ``limit`` entries of an organization, newest first, older than entry ``before``
    when given; only those of ``action`` when given."""
    query = select(audit_events).where(audit_events.c.organization_id == organization_id)
    if before is not None:
        query = query.where(audit_events.c.id < before)
    if action is not None:
        query = query.where(audit_events.c.action == action)
    query = query.order_by(audit_events.c.id.desc()).limit(limit)
    return [plain_dict(row) for row in (await connection.execute(query)).mappings()]


async def prune_audit_events(connection: AsyncConnection, before: datetime) -> int:
    """Forget entries recorded before ``before``; returns how many."""
    result = await connection.execute(delete(audit_events).where(audit_events.c.at < before))
    return result.rowcount or 0
