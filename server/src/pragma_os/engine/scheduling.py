"""Queueing work after a change: links, cycle check, what a resource waits on, its event.

Services call these inside their transaction, so a change and the event it causes commit
together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine import lifecycle
from pragma_os.engine.documents import path_of
from pragma_os.engine.graph import find_cycle
from pragma_os.engine.references import Target, find_targets
from pragma_os.engine.wakeups import Touched
from pragma_os.errors import ConflictError, InvalidInputError
from pragma_os.ids import new_id
from pragma_os.store import events, links
from pragma_os.store import resources as store
from pragma_sdk.models import LifecycleState, resource_id

Row = dict[str, Any]


def targets_of(row: Row) -> dict[str, Target]:
    """The resources a resource depends on, by id."""
    return find_targets(row["config"], row["dependencies"])


def owners_of(row: Row) -> list[str]:
    """The ids of the resources that own a resource."""
    return [resource_id(o["provider"], o["resource"], o["name"]) for o in row["owner_references"]]


async def check_acyclic(connection: AsyncConnection, row: Row) -> None:
    """Refuse a config whose dependencies, or whose owners, lead back to the resource itself."""
    for kind, targets, field, what in (
        (links.DEPENDENCY, list(targets_of(row)), "dependencies", "depend on"),
        (links.OWNER, owners_of(row), "owner_references", "own"),
    ):
        if not targets:
            continue
        cycle = await find_cycle(connection, row["organization_id"], row["id"], targets, kind)
        if cycle is not None:
            raise InvalidInputError(
                field,
                f"these resources would {what} each other in a cycle: {' -> '.join(cycle)}",
                cycle=cycle,
            )


async def check_targets_stay(connection: AsyncConnection, row: Row) -> None:
    """Refuse to depend on, or be owned by, a resource that is being deleted.

    Raises:
        ConflictError: Naming those resources; apply again once they are gone (or re-created).
    """
    linked = [*targets_of(row), *owners_of(row)]
    if not linked:
        return
    documents = await store.get_resources_by_ids(connection, row["organization_id"], linked)
    leaving = sorted(path_of(document) for document in documents.values() if document["deleting"])
    if leaving:
        raise ConflictError(
            f"{path_of(row)} refers to resources that are being deleted: {', '.join(leaving)}. "
            "Apply it again once they are gone.",
            field="config",
            deleting=leaving,
        )


async def record_links(connection: AsyncConnection, row: Row, *, new: bool) -> None:
    """Store what a resource depends on and who owns it (``new``: nothing stored yet)."""
    targets = targets_of(row)
    pairs = [(links.DEPENDENCY, target) for target in targets]
    pairs += [(links.OWNER, owner) for owner in owners_of(row)]
    if pairs or not new:
        await links.replace_links(connection, row["pk"], row["organization_id"], pairs, replace=not new)


async def waits_for(connection: AsyncConnection, row: Row) -> list[str]:
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
    targets = targets_of(row)
    if not targets:
        return []
    documents = await store.get_resources_by_ids(connection, organization_id, list(targets))
    return sorted(
        target.path
        for target_id, target in targets.items()
        if (document := documents.get(target_id)) is None
        or document["lifecycle_state"] != LifecycleState.READY
        or document["deleting"]
    )


async def queue(
    connection: AsyncConnection, row: Row, *, now: datetime, touched: Touched, event_id: str | None = None
) -> list[str]:
    """Make sure the resource has an event queued; returns what it waits on."""
    waiting = await waits_for(connection, row)
    await ensure_event(
        connection, row, blocked=bool(waiting), now=now, touched=touched, new=False, event_id=event_id
    )
    return waiting


async def ensure_event(
    connection: AsyncConnection,
    row: Row,
    *,
    blocked: bool,
    now: datetime,
    touched: Touched,
    new: bool,
    event_id: str | None = None,
) -> None:
    """Give the resource a queued event (``new``: it has none yet, skip the lookup).

    A queued event is refreshed (due now, retries reset). A leased one is left alone: when it
    completes, the engine sees the newer generation and queues the follow-up itself.
    """
    event = None if new else await events.get_event_for_resource(connection, row["pk"])
    if event is None:
        await events.insert_events(connection, [new_event(row, blocked=blocked, now=now, event_id=event_id)])
    elif event["status"] == events.QUEUED:
        await events.update_event(
            connection,
            event["pk"],
            {"blocked": blocked, "available_at": now, "attempt": 0, "last_error": None},
        )
    if not blocked:
        touched.add((row["organization_id"], row["provider"]))


def new_event(row: Row, *, blocked: bool, now: datetime, event_id: str | None = None) -> Row:
    """The queue row of a resource's next event, due now."""
    return {
        "id": event_id or new_id("evt"),
        "organization_id": row["organization_id"],
        "provider": row["provider"],
        "resource_pk": row["pk"],
        "status": events.QUEUED,
        "blocked": blocked,
        "available_at": now,
        "attempt": 0,
        "created_at": now,
    }


async def plan_delete(connection: AsyncConnection, row: Row, *, now: datetime, touched: Touched) -> Row:
    """Start deleting a resource and, first, everything it owns (recursively).

    Resources nothing was ever created for, with nothing left to wait for, are removed at
    once; the others are marked ``deleting`` and queued (for their provider's ``DELETE``, or
    for removal without a provider call), each waiting until what it owns and what depends on
    it are gone.

    Raises:
        ConflictError: Resources outside the deletion still depend on one being deleted.
    """
    organization_id = row["organization_id"]
    doomed: dict[str, Row] = {row["id"]: row}
    frontier = [row["id"]]
    while frontier:
        owned = await links.linking_to(connection, organization_id, frontier, links.OWNER)
        frontier = [item["id"] for item in owned if item["id"] not in doomed]
        doomed.update({item["id"]: item for item in owned})
    dependents = await links.linking_to(connection, organization_id, list(doomed), links.DEPENDENCY)
    blocking = sorted(path_of(d) for d in dependents if d["id"] not in doomed and not d["deleting"])
    if blocking:
        raise ConflictError(
            f"{path_of(row)} cannot be deleted while other resources depend on it: {', '.join(blocking)}. "
            "Delete or change those first.",
            dependents=blocking,
        )
    result = row
    # Deepest owned first, so what can go at once is gone before its owner looks.
    for item in reversed(doomed.values()):
        changed = await _mark_deleting(connection, item, now=now, touched=touched)
        if item["pk"] == row["pk"]:
            result = changed
    # Some of the set were removed outright after others computed their waits; waits are
    # checked again at lease time, so unblocking them all is safe.
    await events.unblock_events(connection, [item["pk"] for item in doomed.values()])
    touched.update((organization_id, item["provider"]) for item in doomed.values())
    return result


async def _mark_deleting(connection: AsyncConnection, row: Row, *, now: datetime, touched: Touched) -> Row:
    if row["deleting"]:
        return row
    if await _removable_now(connection, {**row, "deleting": True}):
        await remove(connection, row, touched=touched)
        return {**row, "deleting": True, "updated_at": now}
    current = LifecycleState(row["lifecycle_state"])
    changes: Row = {
        "deleting": True,
        "lifecycle_state": lifecycle.state_after_delete(current),
        "updated_at": now,
    }
    marked = {**row, **changes}
    changes["waiting_on"] = await queue(connection, marked, now=now, touched=touched)
    await store.update_resource(connection, row, changes)
    return {**row, **changes}


async def remove(connection: AsyncConnection, row: Row, *, touched: Touched) -> None:
    """Delete a resource's row; whoever waited for it to go (owners, dependencies) may proceed.

    A waiter being deleted that was never provisioned and now waits for nothing goes too,
    at once: it needs no provider call, and its provider may have no worker at all.
    """
    waiting_for_it = await links.targets_of(connection, row["pk"], links.OWNER)
    waiting_for_it += await links.targets_of(connection, row["pk"], links.DEPENDENCY)
    await store.delete_resource(connection, row)
    waiters = await store.get_resources_by_ids(connection, row["organization_id"], waiting_for_it)
    for waiter in waiters.values():
        if await _removable_now(connection, waiter):
            await remove(connection, waiter, touched=touched)
            continue
        await events.unblock_events(connection, [waiter["pk"]])
        touched.add((waiter["organization_id"], waiter["provider"]))


async def _removable_now(connection: AsyncConnection, row: Row) -> bool:
    """Whether a resource being deleted can go without its provider: never provisioned,
    not in a worker's hands, and nothing left to wait for."""
    return (
        row["deleting"]
        and not row["provisioned"]
        and not await _in_flight(connection, row)
        and not await waits_for(connection, row)
    )


async def _in_flight(connection: AsyncConnection, row: Row) -> bool:
    event = await events.get_event_for_resource(connection, row["pk"])
    return event is not None and event["status"] == events.LEASED


async def recheck_dependents(connection: AsyncConnection, row: Row, *, touched: Touched) -> None:
    """A resource stopped being ready: its waiting dependents check their waits again, so
    their ``waiting_on`` names it."""
    dependents = await links.linking_to(connection, row["organization_id"], [row["id"]], links.DEPENDENCY)
    await events.unblock_events(connection, [dependent["pk"] for dependent in dependents])
    touched.update((dependent["organization_id"], dependent["provider"]) for dependent in dependents)
