"""Resource type use cases: what types a tenant can apply."""

from __future__ import annotations

from typing import Any

from pragma_os.auth import Principal
from pragma_os.store import Database
from pragma_os.store import resource_types as store


async def list_resource_types(
    database: Database, principal: Principal, provider: str | None
) -> list[dict[str, Any]]:
    """Types registered by the tenant's deployed providers and the built-in ones."""
    async with database.reading() as connection:
        rows = await store.list_resource_types(connection, principal.organization_id, provider)
    return [
        {key: value for key, value in row.items() if key not in ("pk", "organization_id")} for row in rows
    ]
