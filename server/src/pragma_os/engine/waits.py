"""What a resource refers to and what keeps it from being dispatched now (reads only)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine.documents import path_of
from pragma_os.engine.references import Target, find_targets
from pragma_os.store import links
from pragma_os.store import resources as store
from pragma_os.store.types import NewResource, ResourceRow
from pragma_sdk.models import LifecycleState, resource_id


def targets_of(row: NewResource) -> dict[str, Target]:
    """The resources a resource depends on, by id."""
    return find_targets(row["config"], row["dependencies"])


def owners_of(row: NewResource) -> list[str]:
    """The ids of the resources that own a resource."""
    return [resource_id(o["provider"], o["resource"], o["name"]) for o in row["owner_references"]]


async def waits_for(connection: AsyncConnection, row: ResourceRow) -> list[str]:
    """What keeps a resource from being dispatched now, as ``provider/resource/name`` paths.

    A resource waits for every dependency to be ``ready``; a resource being deleted waits
    until what it owns and what depends on it are gone.
    """
    organization_id = row["organization_id"]
    if row["deleting"]:
        # What it owns goes first, except what it depends on: dependents go before their
        # dependencies, so such an owned resource waits for its owner instead.
        depends_on = targets_of(row)
        owned = await links.linking_to(connection, organization_id, [row["id"]], links.OWNER)
        blockers = [item for item in owned if item["id"] not in depends_on]
        blockers += await links.linking_to(connection, organization_id, [row["id"]], links.DEPENDENCY)
        return sorted({path_of(blocker) for blocker in blockers if blocker["pk"] != row["pk"]})
    return await unready_targets(connection, row)


async def unready_targets(connection: AsyncConnection, row: NewResource) -> list[str]:
    """What keeps a resource not being deleted (a new one, say) from being dispatched now: the
    paths of its dependencies that are not ready."""
    targets = targets_of(row)
    if not targets:
        return []
    return unready(
        targets, await store.get_resources_by_ids(connection, row["organization_id"], list(targets))
    )


def unready(targets: Mapping[str, Target], documents: Mapping[str, ResourceRow]) -> list[str]:
    """The paths of the ``targets`` not ready among ``documents`` (what they are stored as):
    absent, not ``ready``, or being deleted."""
    return sorted(
        target.path
        for target_id, target in targets.items()
        if (document := documents.get(target_id)) is None
        or document["lifecycle_state"] != LifecycleState.READY
        or document["deleting"]
    )
