"""Reads of resources, their tags and the change feed.

Writes are in ``store/lifecycle_writes.py``, for ``engine/transitions.py`` alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, Select, and_, bindparam, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.direct import execute
from pragma_os.store.tables import resource_changes, resource_tags, resources
from pragma_os.store.types import ResourceRow, Row, resource_row

# Statements built once: values are bound at execution, so SQLAlchemy reuses the compiled
# form without rebuilding and re-hashing the statement on every call.
_GET = select(resources).where(
    resources.c.organization_id == bindparam("b_org"), resources.c.id == bindparam("b_id")
)
_GET_FOR_UPDATE = _GET.with_for_update()
_BY_IDS = select(resources).where(
    resources.c.organization_id == bindparam("b_org"), resources.c.id.in_(bindparam("b_ids", expanding=True))
)
_BY_PKS = (
    select(resources).where(resources.c.pk.in_(bindparam("b_pks", expanding=True))).order_by(resources.c.pk)
)
_BY_PKS_LOCKED = {skip: _BY_PKS.with_for_update(skip_locked=skip) for skip in (False, True)}


async def get_resource(
    connection: AsyncConnection, organization_id: str, resource_id: str, *, for_update: bool = False
) -> ResourceRow | None:
    """One resource of an organization by id; ``for_update`` locks the row (PostgreSQL)."""
    query = _GET_FOR_UPDATE if for_update else _GET
    row = (await execute(connection, query, {"b_org": organization_id, "b_id": resource_id})).first()
    return resource_row(row) if row else None


async def changes_since(
    connection: AsyncConnection,
    organization_id: str,
    after: int,
    *,
    provider: str | None = None,
    resource: str | None = None,
    name: str | None = None,
    limit: int = 1000,
) -> list[tuple[int, str, bool, ResourceRow | None]]:
    """Changes after ``after``, filtered: ``(seq, resource_id, deleted, current row or None)``.

    Several changes of one resource in the batch come out once, at its last sequence number,
    with the row as it is now.
    """
    filters = {"b_provider": provider, "b_resource": resource, "b_name": name}
    given = {key: value for key, value in filters.items() if value is not None}
    query = _changes_query(tuple(given))
    changes = await execute(
        connection, query, {"b_org": organization_id, "b_after": after, "b_limit": limit, **given}
    )
    last: dict[str, tuple[int, bool]] = {}
    for change in changes.rows:
        last[change["resource_id"]] = (change["seq"], change["deleted"])
    current = await get_resources_by_ids(connection, organization_id, list(last))
    ordered = sorted(last.items(), key=lambda item: item[1][0])
    return [(seq, resource_id, deleted, current.get(resource_id)) for resource_id, (seq, deleted) in ordered]


@cache
def _changes_query(filters: tuple[str, ...]) -> Select[tuple[int, str, bool]]:
    """The feed read filtered by ``filters`` (``b_provider``, ``b_resource``, ``b_name``)."""
    conditions = [
        resource_changes.c.organization_id == bindparam("b_org"),
        resource_changes.c.seq > bindparam("b_after"),
    ]
    conditions += [resource_changes.c[name.removeprefix("b_")] == bindparam(name) for name in filters]
    return (
        select(resource_changes.c.seq, resource_changes.c.resource_id, resource_changes.c.deleted)
        .where(*conditions)
        .order_by(resource_changes.c.seq)
        .limit(bindparam("b_limit", type_=Integer))
    )


async def last_change(connection: AsyncConnection) -> int:
    """The newest sequence number of the change feed (0 when empty)."""
    value = (await connection.execute(select(func.max(resource_changes.c.seq)))).scalar()
    return int(value or 0)


async def prune_changes(connection: AsyncConnection, before: datetime) -> None:
    """Forget changes older than ``before``; a watcher resuming from before then starts over."""
    await connection.execute(delete(resource_changes).where(resource_changes.c.changed_at < before))


async def list_resources(
    connection: AsyncConnection,
    organization_id: str,
    *,
    provider: str | None = None,
    resource: str | None = None,
    name: str | None = None,
    state: str | None = None,
    name_contains: str | None = None,
    tags: Sequence[str] = (),
    after: str | None = None,
    limit: int | None = None,
) -> list[ResourceRow]:
    """Resources of an organization in id order, filtered; keyset-paged by ``after``.

    ``name_contains`` matches names holding it, ignoring case (``%`` and ``_`` taken literally).
    """
    conditions = [resources.c.organization_id == organization_id]
    for column, value in (
        ("provider", provider),
        ("resource", resource),
        ("name", name),
        ("lifecycle_state", state),
    ):
        if value is not None:
            conditions.append(resources.c[column] == value)
    if name_contains is not None:
        pattern = "%" + _escape_like(name_contains.lower()) + "%"
        conditions.append(func.lower(resources.c.name).like(pattern, escape="\\"))
    if after is not None:
        conditions.append(resources.c.id > after)
    for tag in sorted(set(tags)):
        conditions.append(
            exists().where(
                resource_tags.c.organization_id == organization_id,
                resource_tags.c.tag == tag,
                resource_tags.c.resource_id == resources.c.id,
            )
        )
    query = select(resources).where(and_(*conditions)).order_by(resources.c.id)
    if limit is not None:
        query = query.limit(limit)
    return [resource_row(row) for row in (await connection.execute(query)).mappings()]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def configs_of_type(
    connection: AsyncConnection, organization_id: str, provider: str, resource: str
) -> list[Row]:
    """The configs of every resource of one type in an organization."""
    query = select(resources.c.config).where(
        resources.c.organization_id == organization_id,
        resources.c.provider == provider,
        resources.c.resource == resource,
    )
    return [dict(config) for config in (await connection.execute(query)).scalars()]


async def get_resources_by_ids(
    connection: AsyncConnection, organization_id: str, resource_ids: Sequence[str]
) -> dict[str, ResourceRow]:
    """Resources of an organization by id; absent ids are left out."""
    if not resource_ids:
        return {}
    found = await execute(connection, _BY_IDS, {"b_org": organization_id, "b_ids": sorted(set(resource_ids))})
    return {row["id"]: row for row in map(resource_row, found.rows)}


async def get_resources_by_pks(
    connection: AsyncConnection, pks: Sequence[int], *, skip_locked: bool = False
) -> dict[int, ResourceRow]:
    """Resources by primary key, locked on PostgreSQL; ``skip_locked`` leaves out rows locked elsewhere."""
    if not pks:
        return {}
    found = await execute(connection, _BY_PKS_LOCKED[skip_locked], {"b_pks": sorted(set(pks))})
    return {row["pk"]: row for row in map(resource_row, found.rows)}


async def count_resources(connection: AsyncConnection, organization_id: str, provider: str) -> int:
    """How many resources of the provider the organization has."""
    query = select(func.count()).where(
        resources.c.organization_id == organization_id, resources.c.provider == provider
    )
    return int((await connection.execute(query)).scalar_one())


async def of_types_other_than(
    connection: AsyncConnection, organization_id: str, provider: str, kept: Sequence[str], limit: int
) -> tuple[list[Row], int]:
    """The provider's resources whose type is not one of ``kept``: the first ``limit`` of them
    in id order (``id, provider, resource, name``), and how many there are in all."""
    conditions = [resources.c.organization_id == organization_id, resources.c.provider == provider]
    if kept:
        conditions.append(resources.c.resource.not_in(sorted(set(kept))))
    listed = (
        select(resources.c.id, resources.c.provider, resources.c.resource, resources.c.name)
        .where(*conditions)
        .order_by(resources.c.id)
        .limit(limit)
    )
    rows = [dict(row) for row in (await connection.execute(listed)).mappings()]
    if len(rows) < limit:
        return rows, len(rows)
    total = (await connection.execute(select(func.count()).where(*conditions))).scalar_one()
    return rows, int(total)
