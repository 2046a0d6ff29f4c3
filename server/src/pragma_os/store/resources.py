"""Queries on resources and their tags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.errors import AlreadyExistsError
from pragma_os.store.tables import resource_tags, resources
from pragma_os.store.types import plain_dict

Row = dict[str, Any]


async def get_resource(
    connection: AsyncConnection, organization_id: str, resource_id: str, *, for_update: bool = False
) -> Row | None:
    """One resource of an organization by id; ``for_update`` locks the row (PostgreSQL)."""
    query = select(resources).where(
        resources.c.organization_id == organization_id, resources.c.id == resource_id
    )
    if for_update:
        query = query.with_for_update()
    row = (await connection.execute(query)).mappings().first()
    return plain_dict(row) if row else None


async def insert_resource(connection: AsyncConnection, values: Row) -> int:
    """Add a resource and its tags; returns its primary key."""
    try:
        result = await connection.execute(insert(resources).values(**values).returning(resources.c.pk))
    except IntegrityError as error:
        raise AlreadyExistsError(values["id"]) from error
    pk = int(result.scalar_one())
    await _insert_tags(connection, pk, values["organization_id"], values["id"], values["tags"])
    return pk


async def update_resource(connection: AsyncConnection, row: Row, changes: Row) -> None:
    """Change columns of a stored resource; rewrites its tags when they change."""
    await connection.execute(update(resources).where(resources.c.pk == row["pk"]).values(**changes))
    if "tags" in changes and changes["tags"] != row["tags"]:
        await connection.execute(delete(resource_tags).where(resource_tags.c.resource_pk == row["pk"]))
        await _insert_tags(connection, row["pk"], row["organization_id"], row["id"], changes["tags"])


async def delete_resource(connection: AsyncConnection, pk: int) -> None:
    """Remove a resource row and its tags."""
    await connection.execute(delete(resource_tags).where(resource_tags.c.resource_pk == pk))
    await connection.execute(delete(resources).where(resources.c.pk == pk))


async def _insert_tags(
    connection: AsyncConnection,
    pk: int,
    organization_id: str,
    resource_id: str,
    tags: Sequence[str] | None,
) -> None:
    if tags:
        await connection.execute(
            insert(resource_tags),
            [
                {
                    "organization_id": organization_id,
                    "tag": tag,
                    "resource_id": resource_id,
                    "resource_pk": pk,
                }
                for tag in sorted(set(tags))
            ],
        )


async def list_resources(
    connection: AsyncConnection,
    organization_id: str,
    *,
    provider: str | None = None,
    resource: str | None = None,
    tags: Sequence[str] = (),
    after: str | None = None,
    limit: int | None = None,
) -> list[Row]:
    """Resources of an organization in id order, filtered; keyset-paged by ``after``."""
    conditions = [resources.c.organization_id == organization_id]
    if provider is not None:
        conditions.append(resources.c.provider == provider)
    if resource is not None:
        conditions.append(resources.c.resource == resource)
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
    return [plain_dict(row) for row in (await connection.execute(query)).mappings()]


async def get_resources_by_ids(
    connection: AsyncConnection, organization_id: str, resource_ids: Sequence[str]
) -> dict[str, Row]:
    """Resources of an organization by id; absent ids are left out."""
    if not resource_ids:
        return {}
    query = select(resources).where(
        resources.c.organization_id == organization_id, resources.c.id.in_(sorted(set(resource_ids)))
    )
    return {row["id"]: row for row in map(plain_dict, (await connection.execute(query)).mappings())}


async def get_resources_by_pks(connection: AsyncConnection, pks: Sequence[int]) -> dict[int, Row]:
    """Resources by primary key (locked on PostgreSQL)."""
    if not pks:
        return {}
    query = select(resources).where(resources.c.pk.in_(sorted(set(pks)))).with_for_update()
    return {row["pk"]: row for row in map(plain_dict, (await connection.execute(query)).mappings())}
