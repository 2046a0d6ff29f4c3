"""Queries on the event queue: one row per resource that needs its provider."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from pragma_os.store.tables import events
from pragma_os.store.types import plain_dict

Row = dict[str, Any]

QUEUED = "queued"
LEASED = "leased"

# Built once, values bound at execution (see store/resources.py).
_FOR_RESOURCE = select(events).where(events.c.resource_pk == bindparam("b_resource")).with_for_update()
_INSERT = insert(events)
_UPDATE = update(events).where(events.c.pk == bindparam("b_pk"))
_DELETE = delete(events).where(events.c.pk == bindparam("b_pk"))


async def get_event_for_resource(connection: AsyncConnection, resource_pk: int) -> Row | None:
    """The event of a resource, if it has one (locked on PostgreSQL)."""
    row = (await connection.execute(_FOR_RESOURCE, {"b_resource": resource_pk})).mappings().first()
    return plain_dict(row) if row else None


async def get_event(
    connection: AsyncConnection,
    organization_id: str | None,
    event_id: str,
    *,
    lock: bool = True,
    skip_locked: bool = False,
) -> Row | None:
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
    return plain_dict(row) if row else None


async def get_events(
    connection: AsyncConnection, organization_id: str | None, event_ids: Sequence[str], *, lock: bool = True
) -> dict[str, Row]:
    """Events by id (of the organization, or of any when ``None``), locked in primary-key order
    on PostgreSQL unless ``lock`` is false; absent ids are left out."""
    if not event_ids:
        return {}
    query = select(events).where(events.c.id.in_(sorted(set(event_ids)))).order_by(events.c.pk)
    if organization_id is not None:
        query = query.where(events.c.organization_id == organization_id)
    if lock:
        query = query.with_for_update()
    return {row["id"]: row for row in map(plain_dict, (await connection.execute(query)).mappings())}


async def insert_events(connection: AsyncConnection, rows: Sequence[Row]) -> None:
    """Queue new events."""
    await connection.execute(_INSERT, list(rows))


async def update_event(connection: AsyncConnection, pk: int, changes: Row) -> None:
    """Change columns of an event."""
    await connection.execute(_UPDATE, {"b_pk": pk, **changes})


async def update_events(connection: AsyncConnection, changes: Sequence[tuple[int, Row]]) -> None:
    """Change columns of several events, ``(pk, changes)`` each; one statement per set of columns."""
    for group in _by_columns(changes):
        await connection.execute(_UPDATE, [{"b_pk": pk, **values} for pk, values in group])


def _by_columns(changes: Sequence[tuple[Any, Row]]) -> list[list[tuple[Any, Row]]]:
    groups: dict[tuple[str, ...], list[tuple[Any, Row]]] = {}
    for item in changes:
        groups.setdefault(tuple(sorted(item[1])), []).append(item)
    return list(groups.values())


async def delete_event(connection: AsyncConnection, pk: int) -> None:
    """Remove an event: its resource needs nothing more."""
    await connection.execute(_DELETE, {"b_pk": pk})


async def unblock_events(connection: AsyncConnection, resource_pks: Sequence[int]) -> None:
    """Let the queued events of these resources be leased again (their waits are re-checked then)."""
    if resource_pks:
        await connection.execute(
            update(events)
            .where(events.c.resource_pk.in_(resource_pks), events.c.status == QUEUED)
            .values(blocked=False)
        )


def _waiting_for(organization_id: str | None, providers: Sequence[str]) -> tuple[ColumnElement[bool], ...]:
    """Queued, unblocked events of these providers (in one organization, or all when ``None``):
    what a worker may lease once due."""
    waiting = (events.c.provider.in_(providers), events.c.status == QUEUED, events.c.blocked.is_(False))
    if organization_id is None:
        return waiting
    return (events.c.organization_id == organization_id, *waiting)


async def unblock_all(connection: AsyncConnection) -> int:
    """Let every blocked event be re-checked at its next lease; returns how many."""
    result = await connection.execute(
        update(events).where(events.c.status == QUEUED, events.c.blocked.is_(True)).values(blocked=False)
    )
    return int(result.rowcount or 0)


async def claim_events(
    connection: AsyncConnection,
    organization_id: str | None,
    providers: Sequence[str],
    owner: str,
    limit: int,
    now: datetime,
    lease_until: datetime,
) -> list[Row]:
    """Lease up to ``limit`` due, unblocked events in one statement; returns them.

    ``SKIP LOCKED`` (PostgreSQL) lets replicas claim side by side without waiting on each
    other; SQLite has one writer, so the plain subquery is already exclusive.
    """
    due = (
        select(events.c.pk)
        .where(*_waiting_for(organization_id, providers), events.c.available_at <= now)
        .order_by(events.c.available_at, events.c.pk)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(events)
        .where(events.c.pk.in_(due.scalar_subquery()))
        .values(status=LEASED, lease_owner=owner, lease_expires_at=lease_until, attempt=events.c.attempt + 1)
        .returning(*events.c)
    )
    return [plain_dict(row) for row in (await connection.execute(statement)).mappings()]


async def expired_leases(connection: AsyncConnection, now: datetime, limit: int = 500) -> list[Row]:
    """Leased events whose lease ran out, unlocked: the caller locks their resources first."""
    query = (
        select(events).where(and_(events.c.status == LEASED, events.c.lease_expires_at < now)).limit(limit)
    )
    return [plain_dict(row) for row in (await connection.execute(query)).mappings()]


async def expire_leases_of(
    connection: AsyncConnection, owner_prefix: str, keep_prefix: str, now: datetime
) -> int:
    """End now the leases of owners whose id starts with ``owner_prefix`` but not ``keep_prefix``;
    returns how many. The rescuer then treats them as any lease that ran out."""
    statement = (
        update(events)
        .where(
            events.c.status == LEASED,
            events.c.lease_owner.startswith(owner_prefix, autoescape=True),
            ~events.c.lease_owner.startswith(keep_prefix, autoescape=True),
        )
        .values(lease_expires_at=now)
    )
    return (await connection.execute(statement)).rowcount


async def extend_leases(
    connection: AsyncConnection,
    organization_id: str,
    owner: str,
    event_ids: Sequence[str],
    lease_until: datetime,
    *,
    providers: Sequence[str] | None = None,
) -> list[str]:
    """Extend the leases ``owner`` holds among ``event_ids`` (only of ``providers``, when given);
    returns the ids still held.

    Rows another transaction has locked (a result being taken right now) are skipped rather
    than waited for, so a heartbeat never deadlocks with a completion; they count as held.
    """
    if not event_ids:
        return []
    mine: tuple[ColumnElement[bool], ...] = (
        events.c.organization_id == organization_id,
        events.c.id.in_(event_ids),
        events.c.status == LEASED,
        events.c.lease_owner == owner,
    )
    if providers is not None:
        mine = (*mine, events.c.provider.in_(providers))
    held = [str(value) for value in (await connection.execute(select(events.c.id).where(*mine))).scalars()]
    lockable = select(events.c.pk).where(*mine).order_by(events.c.pk).with_for_update(skip_locked=True)
    await connection.execute(
        update(events).where(events.c.pk.in_(lockable.scalar_subquery())).values(lease_expires_at=lease_until)
    )
    return held


async def next_due(
    connection: AsyncConnection, organization_id: str | None, providers: Sequence[str]
) -> datetime | None:
    """When the earliest queued, unblocked event becomes due (for long polls to sleep until)."""
    query = (
        select(events.c.available_at)
        .where(*_waiting_for(organization_id, providers))
        .order_by(events.c.available_at)
        .limit(1)
    )
    value = (await connection.execute(query)).scalar()
    return value if isinstance(value, datetime) else None
