"""The graphs of dependencies and of ownership: cycle detection at apply time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store import links


async def find_cycle(
    connection: AsyncConnection,
    organization_id: str,
    resource_id: str,
    targets: Iterable[str],
    kind: str = links.DEPENDENCY,
    *,
    overlay: Mapping[str, list[str]] | None = None,
) -> list[str] | None:
    """A path of ids from ``resource_id`` back to itself through stored ``kind`` edges, if any.

    Walks the graph breadth-first, one query per level, from the targets ``resource_id`` is
    about to depend on. ``overlay``: the edges of resources about to change (a plan's
    documents, by id), read in place of their stored ones.
    """
    parents: dict[str, str] = {}
    frontier = []
    for target in targets:
        if target == resource_id:
            return [resource_id, resource_id]
        parents.setdefault(target, resource_id)
        frontier.append(target)
    while frontier:
        stored = [source for source in frontier if overlay is None or source not in overlay]
        edges = await links.edges(connection, organization_id, stored, kind)
        if overlay is not None:
            edges.update({source: overlay[source] for source in frontier if source in overlay})
        next_frontier: list[str] = []
        for source in frontier:
            for target in edges.get(source, []):
                if target == resource_id:
                    chain = [source]
                    while chain[-1] != resource_id:
                        chain.append(parents[chain[-1]])
                    return [*reversed(chain), resource_id]
                if target not in parents:
                    parents[target] = source
                    next_frontier.append(target)
        frontier = next_frontier
    return None
