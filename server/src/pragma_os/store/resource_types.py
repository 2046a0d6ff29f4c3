"""Queries on registered resource types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.tables import resource_types
from pragma_os.store.types import plain_dict


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
