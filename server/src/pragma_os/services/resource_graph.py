"""The dependency and ownership graph around a resource, or of a provider's resources.

Links are read from ``resource_links``, the table the engine's propagation and planning read
dependents and owned resources from: an edge goes from the resource that links to its target
(``dependency``: from a dependent to what it depends on; ``owner``: from an owned resource to
its owner). Targets that do not exist (yet) are nodes too, with no state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pragma_os.auth import Principal
from pragma_os.errors import InvalidInputError, NotFoundError
from pragma_os.store import Database
from pragma_os.store import links as store_links
from pragma_os.store import resources as store
from pragma_os.store.types import ResourceRow

MAX_GRAPH_NODES = 500
MAX_GRAPH_DEPTH = 5


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


async def graph_of(
    database: Database,
    principal: Principal,
    *,
    provider: str | None,
    resource_id: str | None,
    depth: int,
) -> ResourceGraph:
    """The graph of ``provider``'s resources, or of ``resource_id``'s neighbourhood ``depth``
    links away in either direction; one of the two must be given.

    Raises:
        InvalidInputError: Neither or both of ``provider`` and ``resource_id``.
        NotFoundError: ``resource_id`` is no resource of the caller's organization.
    """
    if (provider is None) == (resource_id is None):
        raise InvalidInputError("resource_id", "give either provider or resource_id, not both nor neither")
    organization = principal.organization_id
    async with database.reading() as connection:
        if provider is not None:
            rows = await store.list_resources(
                connection, organization, provider=provider, limit=MAX_GRAPH_NODES + 1
            )
            truncated = len(rows) > MAX_GRAPH_NODES
            ids = {row["id"] for row in rows[:MAX_GRAPH_NODES]}
            links = await store_links.links_touching(connection, organization, sorted(ids))
        elif resource_id is not None:
            if await store.get_resource(connection, organization, resource_id) is None:
                raise NotFoundError(f"Resource {resource_id!r} not found")
            ids, links, truncated = {resource_id}, [], False
            frontier = {resource_id}
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
        present = set(ids)
        edges = sorted({link for link in links if link[0] in present or link[1] in present})
        ends = {end for link in edges for end in link[:2]}
        if len(present | ends) > MAX_GRAPH_NODES:
            edges = [link for link in edges if link[0] in present and link[1] in present]
            truncated = True
        every = present | {end for link in edges for end in link[:2]}
        rows_by_id = await store.get_resources_by_ids(connection, organization, sorted(every))
    nodes = [_node(node_id, rows_by_id.get(node_id)) for node_id in sorted(every)]
    return ResourceGraph(
        nodes=nodes,
        edges=[{"from": source, "to": target, "kind": kind} for source, target, kind in edges],
        truncated=truncated,
    )
