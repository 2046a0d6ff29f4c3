"""Queries on registered resource types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.tables import resource_types
from pragma_os.store.types import first_row, plain_dict


async def list_resource_types(
    connection: AsyncConnection, organization_id: str, provider: str | None = None
) -> list[dict[str, Any]]:
    """Types visible to an organization: its own and the built-in ones."""
    query = select(resource_types).where(
        or_(
            resource_types.c.organization_id == organization_id,
            resource_types.c.organization_id.is_(None),
        )
    )
    if provider is not None:
        query = query.where(resource_types.c.provider == provider)
    query = query.order_by(resource_types.c.provider, resource_types.c.resource)
    return [plain_dict(row) for row in (await connection.execute(query)).mappings()]


async def get_resource_type(
    connection: AsyncConnection, organization_id: str, provider: str, resource: str
) -> dict[str, Any] | None:
    """One type visible to an organization (its own, else a built-in one)."""
    query = (
        select(resource_types)
        .where(
            or_(
                resource_types.c.organization_id == organization_id,
                resource_types.c.organization_id.is_(None),
            ),
            resource_types.c.provider == provider,
            resource_types.c.resource == resource,
        )
        .order_by(resource_types.c.organization_id.is_(None))
        .limit(1)
    )
    return await first_row(connection, query)


async def replace_resource_types(
    connection: AsyncConnection,
    organization_id: str | None,
    provider: str,
    definitions: list[dict[str, Any]],
    now: datetime,
) -> None:
    """Make ``definitions`` the provider's types for the organization (``None``: built-in types
    every organization sees), and only those."""
    await delete_resource_types(connection, organization_id, provider)
    if definitions:
        rows = [
            {
                "organization_id": organization_id,
                "provider": provider,
                "resource": definition["resource"],
                "schema": definition.get("schema") or {},
                "outputs_schema": definition.get("outputs_schema") or {},
                "description": definition.get("description"),
                "tags": definition.get("tags"),
                "created_at": now,
                "updated_at": now,
            }
            for definition in definitions
        ]
        await connection.execute(insert(resource_types), rows)


async def delete_resource_types(
    connection: AsyncConnection, organization_id: str | None, provider: str
) -> None:
    """Forget the provider's types for the organization (``None``: the built-in ones)."""
    owner = (
        resource_types.c.organization_id.is_(None)
        if organization_id is None
        else resource_types.c.organization_id == organization_id
    )
    await connection.execute(delete(resource_types).where(owner, resource_types.c.provider == provider))
