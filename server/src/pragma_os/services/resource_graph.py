"""The dependency and ownership graph of an organization's (or a provider's) resources, or
around one resource.

Links are read from ``resource_links``, the table the engine's propagation and planning read
dependents and owned resources from: an edge goes from the resource that links to its target
(``dependency``: from a dependent to what it depends on; ``owner``: from an owned resource to
its owner). Targets that do not exist (yet) are nodes too, with no state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.auth import Principal
from pragma_os.errors import NotFoundError
from pragma_os.store import Database
from pragma_os.store import links as store_links
from pragma_os.store import resources as store
from pragma_os.store.types import ResourceRow

MAX_GRAPH_NODES = 500
MAX_GRAPH_DEPTH = 5

Link = tuple[str, str, str]  # (from id, to id, kind)


@dataclass(frozen=True)
class ResourceGraph:
    """Nodes and edges; ``truncated`` when the node limit cut the graph short."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, str]]
    truncated: bool

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"nodes": self.nodes, "edges": self.edges, "truncated": self.truncated}


def _node(resource_id: str, row: ResourceRow | None) -> dict[str, Any]:
    if row is None:
        # A target that does not exist yet is known by its id alone; its parts when unambiguous.
        parts = resource_id.removeprefix("resource:").split("_")
        provider, resource, name = parts if len(parts) == 3 else (None, None, resource_id)
        return {
            "id": resource_id,
            "provider": provider,
            "resource": resource,
            "name": name,
            "lifecycle_state": None,
            "exists": False,
        }
    return {
        "id": row["id"],
        "provider": row["provider"],
        "resource": row["resource"],
        "name": row["name"],
        "lifecycle_state": row["lifecycle_state"],
        "exists": True,
    }


async def _graph(
    connection: AsyncConnection, organization: str, ids: set[str], links: Iterable[Link], truncated: bool
) -> ResourceGraph:
    """The graph of ``ids`` and the links touching them, their other ends included while the
    node limit allows."""
    edges = sorted({link for link in links if link[0] in ids or link[1] in ids})
    if len(ids | {end for link in edges for end in link[:2]}) > MAX_GRAPH_NODES:
        edges = [link for link in edges if link[0] in ids and link[1] in ids]
        truncated = True
    every = ids | {end for link in edges for end in link[:2]}
    rows = await store.get_resources_by_ids(connection, organization, sorted(every))
    return ResourceGraph(
        nodes=[_node(node_id, rows.get(node_id)) for node_id in sorted(every)],
        edges=[{"from": source, "to": target, "kind": kind} for source, target, kind in edges],
        truncated=truncated,
    )


async def graph_of_resources(database: Database, principal: Principal, provider: str | None) -> ResourceGraph:
    """The graph of the organization's resources (of ``provider``'s only, when given): the
    first ``MAX_GRAPH_NODES`` in id order and their links."""
    organization = principal.organization_id
    async with database.reading() as connection:
        rows = await store.list_resources(
            connection, organization, provider=provider, limit=MAX_GRAPH_NODES + 1
        )
        ids = {row["id"] for row in rows[:MAX_GRAPH_NODES]}
        links = await store_links.links_touching(connection, organization, sorted(ids))
        return await _graph(connection, organization, ids, links, len(rows) > MAX_GRAPH_NODES)


async def graph_around(
    database: Database, principal: Principal, resource_id: str, depth: int
) -> ResourceGraph:
    """The resources up to ``depth`` links away from ``resource_id``, either way, and their links.

    Raises:
        NotFoundError: ``resource_id`` is no resource of the caller's organization.
    """
    organization = principal.organization_id
    async with database.reading() as connection:
        if await store.get_resource(connection, organization, resource_id) is None:
            raise NotFoundError(f"Resource {resource_id!r} not found")
        ids, frontier = {resource_id}, {resource_id}
        links: list[Link] = []
        truncated = False
        for _ in range(depth):
            found = await store_links.links_touching(connection, organization, sorted(frontier))
            reached = {end for link in found for end in link[:2]} - ids
            if len(ids) + len(reached) > MAX_GRAPH_NODES:
                truncated = True
                break
            links.extend(found)
            ids |= reached
            frontier = reached
            if not frontier:
                break
        return await _graph(connection, organization, ids, links, truncated)
