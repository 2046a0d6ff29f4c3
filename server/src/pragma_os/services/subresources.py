"""Subresources a running handler applies and waits for, through the event its worker holds.

A worker token cannot use ``/resources``: it applies and reads resources only as the handler
of a leased event, only while it holds that lease, and only resources the event's resource
owns (what it applies becomes owned by it), so pushed code reaches nothing else of its
organization.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.auth import Principal
from pragma_os.daemons.apply_queue import ApplyQueue
from pragma_os.engine.documents import path_of, to_document
from pragma_os.engine.references import find_targets
from pragma_os.engine.waits import owners_of, targets_of
from pragma_os.errors import ConflictError, ForbiddenError, NotFoundError
from pragma_os.services.watch import recheck_seconds
from pragma_os.store import Database, events, links
from pragma_os.store import resources as store
from pragma_os.store.types import ResourceRow, utcnow
from pragma_sdk.models import LifecycleState, OwnerReference, resource_id
from pragma_sdk.provider import SubresourceApply

_SETTLED = (LifecycleState.READY, LifecycleState.FAILED)


async def apply_subresource(
    database: Database, queue: ApplyQueue, principal: Principal, event_id: str, request: SubresourceApply
) -> dict[str, Any]:
    """Apply ``request.resource`` as a subresource of the resource of event ``event_id``.

    Raises:
        NotFoundError: No such event for the caller's providers.
        ConflictError: The worker does not hold the event's lease.
        ForbiddenError: The resource exists and the event's resource does not own it, or its
            config refers to resources the event's resource neither owns nor depends on.
    """
    body = request.resource
    async with database.reading() as connection:
        owner_row = await _leased_resource(connection, principal, event_id, request.worker_id)
        await _check_references(connection, owner_row, body.resource_id, body.config)
    owner = OwnerReference(
        provider=owner_row["provider"], resource=owner_row["resource"], name=owner_row["name"]
    )
    return await queue.apply(principal, body, owner=owner)


async def read_subresource(
    database: Database,
    principal: Principal,
    event_id: str,
    worker_id: str,
    subresource_id: str,
    wait_seconds: float,
) -> dict[str, Any]:
    """A resource the event's resource owns; with ``wait_seconds``, once it is ``ready`` or
    ``failed``, or as it is when that time has passed.

    Waits on commits, not by polling: each commit of this process wakes the wait to look again.

    Raises:
        NotFoundError: No such event, or no such resource owned by the event's resource (it
            never existed, is another's, or was deleted while waiting).
        ConflictError: The worker does not hold the event's lease.
    """
    deadline = time.monotonic() + wait_seconds
    recheck = recheck_seconds(database)
    while True:
        # Taken before reading, so a commit between the read and the wait is not missed.
        next_commit = database.commits.next_commit()
        async with database.reading() as connection:
            owner_row = await _leased_resource(connection, principal, event_id, worker_id)
            row = await store.get_resource(connection, principal.organization_id, subresource_id)
        if row is None or owner_row["id"] not in owners_of(row):
            raise NotFoundError(
                f"Resource '{subresource_id}' not found among the resources {path_of(owner_row)} owns.",
                resource_id=subresource_id,
            )
        remaining = deadline - time.monotonic()
        if row["lifecycle_state"] in _SETTLED or remaining <= 0:
            return to_document(row)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(remaining, recheck)):
                await next_commit.wait()


async def _leased_resource(
    connection: AsyncConnection, principal: Principal, event_id: str, worker_id: str
) -> ResourceRow:
    """The resource of event ``event_id``, when ``worker_id`` holds its lease right now."""
    event = await events.get_event(connection, principal.organization_id, event_id, lock=False)
    if event is None or not principal.may_serve(event["provider"]):
        # Same answer for another provider's event: a worker token learns nothing of it.
        raise NotFoundError(
            f"Event '{event_id}' not found: it was completed, or it is not one this token may serve.",
            event_id=event_id,
        )
    expires = event["lease_expires_at"]
    if (
        event["status"] != events.LEASED
        or event["lease_owner"] != worker_id
        or expires is None
        or expires < utcnow()
        or not event["payload"]
    ):
        raise ConflictError(
            f"Worker '{worker_id}' does not hold the lease of event '{event_id}' (it was completed, "
            "or it expired and was delivered again); a handler reaches subresources only while its "
            "event is leased to its worker.",
            event_id=event_id,
        )
    payload = event["payload"]
    owner_id = resource_id(payload["provider"], payload["resource"], payload["name"])
    row = await store.get_resource(connection, principal.organization_id, owner_id)
    if row is None:  # pragma: no cover - a leased event's resource is deleted only with its event
        raise NotFoundError(f"Event '{event_id}' not found.", event_id=event_id)
    return row


async def _check_references(
    connection: AsyncConnection,
    owner_row: ResourceRow,
    subresource_id: str,
    config: dict[str, Any],
) -> None:
    """Refuse references to resources the owner has no business with: through a reference, a
    subresource's handler would be handed their values (secrets included). Plain
    ``depends_on`` entries carry no values and only order the work, so they stay free."""
    targets = find_targets(config)
    if not targets:
        return
    allowed = {owner_row["id"], subresource_id, *targets_of(owner_row)}
    owned = await links.linking_to(connection, owner_row["organization_id"], [owner_row["id"]], links.OWNER)
    allowed.update(row["id"] for row in owned)
    outside = sorted(target.path for target_id, target in targets.items() if target_id not in allowed)
    if outside:
        owner = path_of(owner_row)
        raise ForbiddenError(
            f"A subresource applied by a handler of {owner} may refer only to {owner}, to what it "
            f"depends on and to what it owns; not to {', '.join(outside)}.",
            field="config",
            references=outside,
        )
