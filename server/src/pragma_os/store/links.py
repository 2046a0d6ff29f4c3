"""Queries on resource links: dependencies and owners, kept by target id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from sqlalchemy import Select, bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.direct import execute
from pragma_os.store.tables import resource_links, resources
from pragma_os.store.types import ResourceRow, resource_row

DEPENDENCY = "dependency"
OWNER = "owner"

# Built once, values bound at execution (see store/direct.py).
_DELETE_LINKS = delete(resource_links).where(resource_links.c.resource_pk == bindparam("b_pk"))
_INSERT_LINKS = insert(resource_links)
_TARGETS_OF = select(resource_links.c.target_id).where(
    resource_links.c.resource_pk == bindparam("b_pk"), resource_links.c.kind == bindparam("b_kind")
)
_LINKING_TO = (
    select(resources)
    .join(resource_links, resource_links.c.resource_pk == resources.c.pk)
    .where(
        resource_links.c.organization_id == bindparam("b_org"),
        resource_links.c.target_id.in_(bindparam("b_ids", expanding=True)),
        resource_links.c.kind == bindparam("b_kind"),
    )
    .distinct()
)
_EDGES = (
    select(resources.c.id, resource_links.c.target_id)
    .join(resource_links, resource_links.c.resource_pk == resources.c.pk)
    .where(
        resources.c.organization_id == bindparam("b_org"),
        resources.c.id.in_(bindparam("b_ids", expanding=True)),
        resource_links.c.kind == bindparam("b_kind"),
    )
)


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
        await execute(connection, _DELETE_LINKS, {"b_pk": resource_pk})
    rows = [
        {"resource_pk": resource_pk, "kind": kind, "target_id": target, "organization_id": organization_id}
        for kind, target in sorted(set(links))
    ]
    if rows:
        await execute(connection, _INSERT_LINKS, rows)


async def targets_of(connection: AsyncConnection, resource_pk: int, kind: str) -> list[str]:
    """Ids a resource links to with ``kind``."""
    found = await execute(connection, _TARGETS_OF, {"b_pk": resource_pk, "b_kind": kind})
    return [str(value) for value in found.scalars()]


async def linking_to(
    connection: AsyncConnection, organization_id: str, target_ids: Sequence[str], kind: str
) -> list[ResourceRow]:
    """Resources that link to any of ``target_ids`` with ``kind`` (dependents, or owned resources)."""
    if not target_ids:
        return []
    parameters = {"b_org": organization_id, "b_ids": list(target_ids), "b_kind": kind}
    return [resource_row(row) for row in (await execute(connection, _LINKING_TO, parameters)).rows]


async def linked_targets(
    connection: AsyncConnection, organization_id: str | None, target_ids: Sequence[str], kind: str
) -> set[str]:
    """Which of ``target_ids`` something links to with ``kind`` (in the organization, or any
    when ``None``): one query for a batch, so most targets need no further look."""
    if not target_ids:
        return set()
    query = _linked_query(organization_id is not None)
    parameters = {"b_org": organization_id, "b_ids": sorted(set(target_ids)), "b_kind": kind}
    return {str(value) for value in (await execute(connection, query, parameters)).scalars()}


@cache
def _linked_query(of_organization: bool) -> Select[tuple[str]]:
    query = select(resource_links.c.target_id).where(
        resource_links.c.target_id.in_(bindparam("b_ids", expanding=True)),
        resource_links.c.kind == bindparam("b_kind"),
    )
    if of_organization:
        query = query.where(resource_links.c.organization_id == bindparam("b_org"))
    return query


async def edges(
    connection: AsyncConnection, organization_id: str, resource_ids: Sequence[str], kind: str
) -> dict[str, list[str]]:
    """For each of ``resource_ids`` that exists, the ids it links to with ``kind``."""
    if not resource_ids:
        return {}
    parameters = {"b_org": organization_id, "b_ids": list(resource_ids), "b_kind": kind}
    edges: dict[str, list[str]] = {}
    for row in (await execute(connection, _EDGES, parameters)).rows:
        edges.setdefault(str(row["id"]), []).append(str(row["target_id"]))
    return edges


# Every link from or to a set of resources, and from a provider's resources: the graph view.
_LINKS_FROM = (
    select(resources.c.id, resource_links.c.target_id, resource_links.c.kind)
    .join(resource_links, resource_links.c.resource_pk == resources.c.pk)
    .where(
        resources.c.organization_id == bindparam("b_org"),
        resources.c.id.in_(bindparam("b_ids", expanding=True)),
    )
)
_LINKS_TO = (
    select(resources.c.id, resource_links.c.target_id, resource_links.c.kind)
    .join(resource_links, resource_links.c.resource_pk == resources.c.pk)
    .where(
        resource_links.c.organization_id == bindparam("b_org"),
        resource_links.c.target_id.in_(bindparam("b_ids", expanding=True)),
    )
)


async def links_touching(
    connection: AsyncConnection, organization_id: str, resource_ids: Sequence[str]
) -> list[tuple[str, str, str]]:
    """``(from_id, to_id, kind)`` of every link from or to any of ``resource_ids``."""
    if not resource_ids:
        return []
    parameters = {"b_org": organization_id, "b_ids": sorted(set(resource_ids))}
    found: set[tuple[str, str, str]] = set()
    for query in (_LINKS_FROM, _LINKS_TO):
        for row in (await execute(connection, query, parameters)).rows:
            found.add((str(row["id"]), str(row["target_id"]), str(row["kind"])))
    return sorted(found)
