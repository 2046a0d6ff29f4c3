"""Reads of the event queue: one row per resource that needs its provider.

Writes are in ``store/lifecycle_writes.py``, for ``engine/transitions.py`` alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from pragma_os.store.direct import execute
from pragma_os.store.tables import events
from pragma_os.store.types import EventRow, event_row

QUEUED = "queued"
LEASED = "leased"

# Built once, values bound at execution (see store/resources.py).
_FOR_RESOURCE = select(events).where(events.c.resource_pk == bindparam("b_resource")).with_for_update()


async def get_event_for_resource(connection: AsyncConnection, resource_pk: int) -> EventRow | None:
    """The event of a resource, if it has one (locked on PostgreSQL)."""
    row = (await execute(connection, _FOR_RESOURCE, {"b_resource": resource_pk})).first()
    return event_row(row) if row else None


async def get_event(
    connection: AsyncConnection,
    organization_id: str | None,
    event_id: str,
    *,
    lock: bool = True,
    skip_locked: bool = False,
) -> EventRow | None:
    """An event by id (of the organization, or of any when ``None``), locked on PostgreSQL
    unless ``lock`` is false.

    With ``skip_locked``, an event locked elsewhere comes back as ``None``.
    """
    query = select(events).where(events.c.id == event_id)
    if organization_id is not None:
        query = query.where(events.c.organization_id == organization_id)
    if lock:
        query = query.with_for_update(skip_locked=skip_locked)
    row = (await connection.execute(query)).mappings().first()
    return event_row(row) if row else None


async def get_events(
    connection: AsyncConnection, organization_id: str | None, event_ids: Sequence[str], *, lock: bool = True
) -> dict[str, EventRow]:
    """Events by id (of the organization, or of any when ``None``), locked in primary-key order
    on PostgreSQL unless ``lock`` is false; absent ids are left out."""
    if not event_ids:
        return {}
    query = _events_query(organization_id is not None, lock)
    found = await execute(connection, query, {"b_org": organization_id, "b_ids": sorted(set(event_ids))})
    return {row["id"]: row for row in map(event_row, found.rows)}


@cache
def _events_query(of_organization: bool, lock: bool) -> Select[tuple[object, ...]]:
    query = select(events).where(events.c.id.in_(bindparam("b_ids", expanding=True))).order_by(events.c.pk)
    if of_organization:
        query = query.where(events.c.organization_id == bindparam("b_org"))
    return query.with_for_update() if lock else query


async def lock_read_events(
    connection: AsyncConnection, organization_id: str | None, read: Mapping[str, EventRow]
) -> dict[str, EventRow]:
    """Events this write transaction read unlocked (``get_events(lock=False)``), now locked:
    read again ``FOR UPDATE`` on PostgreSQL. On SQLite the server's write transactions take
    turns (``Database``'s write lock), so none can have changed them since: no second query."""
    if connection.dialect.name == "sqlite":
        return dict(read)
    return await get_events(connection, organization_id, list(read))


def waiting_for(of_organization: bool) -> tuple[ColumnElement[bool], ...]:
    """Queued, unblocked events of the providers bound as ``b_providers`` (in the organization
    bound as ``b_org`` when ``of_organization``, else of all): what a worker may lease once due."""
    waiting = (
        events.c.provider.in_(bindparam("b_providers", expanding=True)),
        events.c.status == QUEUED,
        events.c.blocked.is_(False),
    )
    if not of_organization:
        return waiting
    return (events.c.organization_id == bindparam("b_org"), *waiting)


async def expired_leases(connection: AsyncConnection, now: datetime, limit: int = 500) -> list[EventRow]:
    """Leased events whose lease ran out, unlocked: the caller locks their resources first."""
    query = (
        select(events).where(and_(events.c.status == LEASED, events.c.lease_expires_at < now)).limit(limit)
    )
    return [event_row(row) for row in (await connection.execute(query)).mappings()]


async def next_due(
    connection: AsyncConnection, organization_id: str | None, providers: Sequence[str]
) -> datetime | None:
    """When the earliest queued, unblocked event becomes due (for long polls to sleep until)."""
    query = _next_due_query(organization_id is not None)
    found = await execute(connection, query, {"b_org": organization_id, "b_providers": list(providers)})
    value = found.scalars()[0] if found.rows else None
    return value if isinstance(value, datetime) else None


@cache
def _next_due_query(of_organization: bool) -> Select[tuple[datetime]]:
    return (
        select(events.c.available_at)
        .where(*waiting_for(of_organization))
        .order_by(events.c.available_at)
        .limit(1)
    )


async def lock_expired(connection: AsyncConnection, pks: Sequence[int], now: datetime) -> list[EventRow]:
    """Of these events, those still leased past their lease, locked in primary-key order; rows
    another transaction holds are skipped (the next round gets them)."""
    if not pks:
        return []
    query = (
        select(events)
        .where(events.c.pk.in_(sorted(set(pks))), events.c.status == LEASED, events.c.lease_expires_at < now)
        .order_by(events.c.pk)
        .with_for_update(skip_locked=True)
    )
    return [event_row(row) for row in (await connection.execute(query)).mappings()]
