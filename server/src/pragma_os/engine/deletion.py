"""Deleting: a resource and, first, everything it owns (recursively), in dependency order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine import transitions
from pragma_os.engine.documents import path_of
from pragma_os.engine.transition_log import Detail
from pragma_os.engine.wakeups import Touched
from pragma_os.errors import ConflictError
from pragma_os.store import links
from pragma_os.store.types import ResourceRow, with_changes


async def delete(
    connection: AsyncConnection,
    row: ResourceRow,
    *,
    now: datetime,
    touched: Touched,
    request_id: str | None = None,
) -> ResourceRow:
    """Start deleting a resource and, first, everything it owns (recursively); returns it on
    its way out. ``request_id``: of the request deleting it, recorded on the events it queues.

    Resources nothing was ever created for, with nothing left to wait for, are removed at
    once; the others are marked ``deleting`` and queued (for their provider's ``DELETE``, or
    for removal without a provider call), each waiting until what it owns and what depends on
    it are gone.

    Raises:
        ConflictError: Resources outside the deletion still depend on one being deleted.
    """
    organization_id = row["organization_id"]
    doomed, blockers = await deletion_set(connection, row)
    blocking = sorted(path_of(blocker) for blocker in blockers)
    if blocking:
        raise ConflictError(
            f"{path_of(row)} cannot be deleted while other resources depend on it: {', '.join(blocking)}. "
            "Delete or change those first.",
            dependents=blocking,
        )
    result = row
    # Deepest owned first, so what can go at once is gone before its owner looks.
    for item in reversed(doomed.values()):
        owner = None if item["pk"] == row["pk"] else row["id"]
        changed = await _start_deleting(
            connection, item, now=now, touched=touched, caused_by=owner, request_id=request_id
        )
        if item["pk"] == row["pk"]:
            result = changed
    # Some of the set were removed outright after others computed their waits; waits are
    # checked again at lease time, so unblocking them all is safe.
    await transitions.unblock(connection, [item["pk"] for item in doomed.values()])
    touched.update((organization_id, item["provider"]) for item in doomed.values())
    return result


async def deletion_set(
    connection: AsyncConnection, row: ResourceRow
) -> tuple[dict[str, ResourceRow], list[ResourceRow]]:
    """What deleting ``row`` takes along (it first, then what it owns, recursively, each level
    after the one owning it), and the resources outside that set, not being deleted, which
    still depend on one of them and so refuse the delete (reads only)."""
    organization_id = row["organization_id"]
    doomed: dict[str, ResourceRow] = {row["id"]: row}
    frontier = [row["id"]]
    while frontier:
        owned = await links.linking_to(connection, organization_id, frontier, links.OWNER)
        frontier = [item["id"] for item in owned if item["id"] not in doomed]
        doomed.update({item["id"]: item for item in owned})
    dependents = await links.linking_to(connection, organization_id, list(doomed), links.DEPENDENCY)
    return doomed, [d for d in dependents if d["id"] not in doomed and not d["deleting"]]


async def _start_deleting(
    connection: AsyncConnection,
    row: ResourceRow,
    *,
    now: datetime,
    touched: Touched,
    caused_by: str | None,
    request_id: str | None,
) -> ResourceRow:
    if row["deleting"]:
        return row
    if await transitions.removable_now(connection, with_changes(row, {"deleting": True})):
        await transitions.remove(connection, row, touched=touched, detail=Detail(caused_by=caused_by))
        return with_changes(row, {"deleting": True, "updated_at": now})
    return await transitions.mark_deleting(
        connection, row, now=now, touched=touched, caused_by=caused_by, request_id=request_id
    )
