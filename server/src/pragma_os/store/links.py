"""Queries on resource links: dependencies and owners, kept by target id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.tables import resource_links, resources
from pragma_os.store.types import ResourceRow, resource_row

DEPENDENCY = "dependency"
OWNER = "owner"


async def replace_links(
    connection: AsyncConnection,
    resource_pk: int,
    organization_id: str,
    links: Iterable[tuple[str, str]],
    *,
    replace: bool = True,
) -> None:
    """Set the ``(kind, target_id)`` links of a resource (``replace=False``: it has none yet)."""
    if replace:
        await connection.execute(delete(resource_links).where(resource_links.c.resource_pk == resource_pk))
    rows = [
        {"resource_pk": resource_pk, "kind": kind, "target_id": target, "organization_id": organization_id}
        for kind, target in sorted(set(links))
    ]
    if rows:
        await connection.execute(insert(resource_links), rows)


async def targets_of(connection: AsyncConnection, resource_pk: int, kind: str) -> list[str]:
    """Ids a resource links to with ``kind``."""
    query = select(resource_links.c.target_id).where(
        resource_links.c.resource_pk == resource_pk, resource_links.c.kind == kind
    )
    return [str(value) for value in (await connection.execute(query)).scalars()]


async def linking_to(
    connection: AsyncConnection, organization_id: str, target_ids: Sequence[str], kind: str
) -> list[ResourceRow]:
    """Resources that link to any of ``target_ids`` with ``kind`` (dependents, or owned resources)."""
    if not target_ids:
        return []
    query = (
        select(resources)
        .join(resource_links, resource_links.c.resource_pk == resources.c.pk)
        .where(
            resource_links.c.organization_id == organization_id,
            resource_links.c.target_id.in_(target_ids),
            resource_links.c.kind == kind,
        )
        .distinct()
    )
    return [resource_row(row) for row in (await connection.execute(query)).mappings()]


async def linked_targets(
    connection: AsyncConnection, organization_id: str | None, target_ids: Sequence[str], kind: str
) -> set[str]:
    """Which of ``target_ids`` something links to with ``kind`` (in the organization, or any
    when ``None``): one query for a batch, so most targets need no further look."""
    if not target_ids:
        return set()
    query = select(resource_links.c.target_id).where(
        resource_links.c.target_id.in_(sorted(set(target_ids))), resource_links.c.kind == kind
    )
    if organization_id is not None:
        query = query.where(resource_links.c.organization_id == organization_id)
    return {str(value) for value in (await connection.execute(query)).scalars()}


async def edges(
    connection: AsyncConnection, organization_id: str, resource_ids: Sequence[str], kind: str
) -> dict[str, list[str]]:
    """For each of ``resource_ids`` that exists, the ids it links to with ``kind``."""
    if not resource_ids:
        return {}
    query = (
        select(resources.c.id, resource_links.c.target_id)
        .join(resource_links, resource_links.c.resource_pk == resources.c.pk)
        .where(
            resources.c.organization_id == organization_id,
            resources.c.id.in_(resource_ids),
            resource_links.c.kind == kind,
        )
    )
    edges: dict[str, list[str]] = {}
    for source, target in (await connection.execute(query)).all():
        edges.setdefault(str(source), []).append(str(target))
    return edges
