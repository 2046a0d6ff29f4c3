"""Writes of what carries a resource's lifecycle: resource rows, their events, dead letters.

Only ``engine/transitions.py`` may import this module (an import-linter contract): every
change of ``lifecycle_state``, ``waiting_on`` or of the event queue passes through it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Update, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from pragma_os.store import feed
from pragma_os.store.direct import execute
from pragma_os.store.errors import AlreadyExistsError
from pragma_os.store.events import LEASED, QUEUED, waiting_for
from pragma_os.store.tables import dead_letters, events, resource_tags, resources
from pragma_os.store.types import (
    Changes,
    Claim,
    EventRow,
    ResourceRow,
    Row,
    event_row,
    resource_row,
    utcnow,
)

# Statements built once: values are bound at execution (see store/resources.py).
_INSERT_RESOURCE = insert(resources).returning(resources.c.pk, sort_by_parameter_order=True)
_INSERT_TAG = insert(resource_tags)
_UPDATE_RESOURCE = update(resources).where(resources.c.pk == bindparam("b_pk"))
_INSERT_EVENT = insert(events)
_UPDATE_EVENT = update(events).where(events.c.pk == bindparam("b_pk"))
_DELETE_EVENTS = delete(events).where(events.c.pk.in_(bindparam("b_pks", expanding=True)))
_INSERT_DEAD_LETTER = insert(dead_letters)
_DELETE_TAGS = delete(resource_tags).where(resource_tags.c.resource_pk == bindparam("b_pk"))
_DELETE_RESOURCE = delete(resources).where(resources.c.pk == bindparam("b_pk"))
_UNBLOCK = (
    update(events)
    .where(events.c.resource_pk.in_(bindparam("b_pks", expanding=True)), events.c.status == QUEUED)
    .values(blocked=False)
)


async def insert_resources(connection: AsyncConnection, rows: Sequence[Row]) -> list[int]:
    """Add resources (each row every column but ``pk``) and their tags with one statement per
    table; returns their primary keys.

    Raises:
        AlreadyExistsError: One of them exists already (nothing of the batch is kept then).
    """
    parameters = [{key: value for key, value in row.items() if key != "pk"} for row in rows]
    try:
        result = await execute(connection, _INSERT_RESOURCE, parameters)
    except IntegrityError as error:
        raise AlreadyExistsError(", ".join(row["id"] for row in rows)) from error
    pks = [int(pk) for pk in result.scalars()]
    tags = [
        {"organization_id": row["organization_id"], "tag": tag, "resource_id": row["id"], "resource_pk": pk}
        for row, pk in zip(rows, pks, strict=True)
        for tag in sorted(set(row["tags"] or ()))
    ]
    if tags:
        await execute(connection, _INSERT_TAG, tags)
    feed.queue(connection, [_change(row, deleted=False) for row in rows])
    return pks


async def update_resource(connection: AsyncConnection, row: ResourceRow, changes: Changes) -> None:
    """Change columns of a stored resource; rewrites its tags when they change."""
    await execute(connection, _UPDATE_RESOURCE, {"b_pk": row["pk"], **changes})
    feed.queue(connection, [_change(row, deleted=False)])
    if "tags" in changes and changes["tags"] != row["tags"]:
        await execute(connection, _DELETE_TAGS, {"b_pk": row["pk"]})
        tags = sorted(set(changes["tags"] or ()))
        if tags:
            where: Row = {"organization_id": row["organization_id"], "resource_id": row["id"]}
            where["resource_pk"] = row["pk"]
            await connection.execute(_INSERT_TAG, [{**where, "tag": tag} for tag in tags])


async def update_resources(
    connection: AsyncConnection, changes: Sequence[tuple[ResourceRow, Changes]]
) -> None:
    """Change columns (not tags) of several resources, ``(row, changes)`` each, with one statement
    per set of columns, and record them in the change feed."""
    if not changes:
        return
    for group in _by_columns(changes):
        await execute(connection, _UPDATE_RESOURCE, [{"b_pk": row["pk"], **values} for row, values in group])
    feed.queue(connection, [_change(row, deleted=False) for row, _values in changes])


async def delete_resource(connection: AsyncConnection, row: ResourceRow) -> None:
    """Remove a resource row with its tags, links and event."""
    await execute(connection, _DELETE_TAGS, {"b_pk": row["pk"]})
    await execute(connection, _DELETE_RESOURCE, {"b_pk": row["pk"]})
    feed.queue(connection, [_change(row, deleted=True)])


async def delete_provider_resources(connection: AsyncConnection, organization_id: str, provider: str) -> int:
    """Remove every resource of the provider, with their events, links and tags; returns how many.

    Watchers see each one deleted.
    """
    query = select(resources).where(
        resources.c.organization_id == organization_id, resources.c.provider == provider
    )
    rows = [resource_row(row) for row in (await connection.execute(query)).mappings()]
    for row in rows:
        await delete_resource(connection, row)
    return len(rows)


def _change(row: Mapping[str, Any], *, deleted: bool) -> Row:
    """A change-feed entry, written when the transaction commits (``store/feed.py``), so a
    watcher never misses a commit."""
    return {
        "organization_id": row["organization_id"],
        "resource_id": row["id"],
        "provider": row["provider"],
        "resource": row["resource"],
        "name": row["name"],
        "deleted": deleted,
        "changed_at": utcnow(),
    }


def _by_columns(changes: Sequence[tuple[Any, Changes]]) -> list[list[tuple[Any, Changes]]]:
    groups: dict[tuple[str, ...], list[tuple[Any, Changes]]] = {}
    for item in changes:
        groups.setdefault(tuple(sorted(item[1])), []).append(item)
    return list(groups.values())


async def insert_events(connection: AsyncConnection, rows: Sequence[Row]) -> None:
    """Queue new events."""
    if rows:
        await execute(connection, _INSERT_EVENT, list(rows))


async def update_events(connection: AsyncConnection, changes: Sequence[tuple[int, Changes]]) -> None:
    """Change columns of events, ``(pk, changes)`` each; one statement per set of columns."""
    for group in _by_columns(changes):
        await execute(connection, _UPDATE_EVENT, [{"b_pk": pk, **values} for pk, values in group])


async def delete_events(connection: AsyncConnection, pks: Sequence[int]) -> None:
    """Remove events: their resources need nothing more."""
    if pks:
        await execute(connection, _DELETE_EVENTS, {"b_pks": list(pks)})


async def unblock_events(connection: AsyncConnection, resource_pks: Sequence[int]) -> None:
    """Let the queued events of these resources be leased again (their waits are re-checked then)."""
    if resource_pks:
        await execute(connection, _UNBLOCK, {"b_pks": list(resource_pks)})


async def unblock_all(connection: AsyncConnection) -> int:
    """Let every blocked event be re-checked at its next lease; returns how many."""
    result = await connection.execute(
        update(events).where(events.c.status == QUEUED, events.c.blocked.is_(True)).values(blocked=False)
    )
    return int(result.rowcount or 0)


async def claim_events(connection: AsyncConnection, claim: Claim) -> list[EventRow]:
    """Lease the due, unblocked events ``claim`` asks for in one statement; returns them.

    ``SKIP LOCKED`` (PostgreSQL) lets replicas claim side by side without waiting on each
    other; SQLite has one writer, so the plain subquery is already exclusive.
    """
    parameters = {
        "b_providers": list(claim.providers),
        "b_now": claim.now,
        "b_limit": claim.limit,
        "b_owner": claim.owner,
        "b_until": claim.lease_until,
    }
    if claim.organization_id is not None:
        parameters["b_org"] = claim.organization_id
    claimed = await execute(connection, _claim_statement(claim.organization_id is not None), parameters)
    return [event_row(row) for row in claimed.rows]


@cache
def _claim_statement(of_organization: bool) -> Update:
    due = (
        select(events.c.pk)
        .where(*waiting_for(of_organization), events.c.available_at <= bindparam("b_now"))
        .order_by(events.c.available_at, events.c.pk)
        .limit(bindparam("b_limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    return (
        update(events)
        .where(events.c.pk.in_(due.scalar_subquery()))
        .values(
            status=LEASED,
            lease_owner=bindparam("b_owner"),
            lease_expires_at=bindparam("b_until"),
            leased_at=bindparam("b_now"),
            attempt=events.c.attempt + 1,
        )
        .returning(*events.c)
    )


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


async def expire_leases_held_by(connection: AsyncConnection, owners: Sequence[str], now: datetime) -> int:
    """End now the leases ``owners`` hold; returns how many."""
    statement = (
        update(events)
        .where(events.c.status == LEASED, events.c.lease_owner.in_(owners))
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


async def insert_dead_letters(connection: AsyncConnection, rows: Sequence[Row]) -> None:
    """Record events that failed for good."""
    if rows:
        await execute(connection, _INSERT_DEAD_LETTER, list(rows))
