"""Leasing: claiming due events for a worker and building each into a ``LifecycleEvent``.

Runs inside the caller's transaction: a lease and the ``processing`` state it causes commit
together; ``engine/transitions.py`` writes them, one statement per table for the batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine import transitions
from pragma_os.engine.failures import DeadLetter, dead_letter
from pragma_os.engine.inputs import Inputs, resolve_from, unresolved
from pragma_os.engine.references import UnresolvableReferenceError
from pragma_os.engine.retry import RetryPolicy, retry_status
from pragma_os.engine.rules import Cause
from pragma_os.engine.transition_log import Leased, leases_of
from pragma_os.engine.waits import targets_of, unready, waits_for
from pragma_os.engine.wakeups import Touched
from pragma_os.secrets.sealing import Sealer, UnsealError
from pragma_os.store import resources as store
from pragma_os.store.types import Changes, Claim, EventRow, ResourceRow
from pragma_sdk.models import EventType


async def lease(
    connection: AsyncConnection, claim: Claim, *, policy: RetryPolicy, sealer: Sealer, touched: Touched
) -> list[dict[str, Any]]:
    """Lease the events ``claim`` asks for and build each into a ``LifecycleEvent`` payload.

    An event whose resource turns out to wait on something goes back to the queue, blocked;
    a delete of a resource nothing was created for completes here without a provider call.
    """
    claimed = await transitions.claim(connection, claim)
    if not claimed:
        return []
    # Locks are always taken resource first, then event, except here where the claim holds the
    # events already: skip resources another transaction holds (an apply in progress) and put
    # their events back, rather than wait and risk a deadlock.
    rows = await store.get_resources_by_pks(
        connection, [event["resource_pk"] for event in claimed], skip_locked=True
    )
    # What the batch's resources refer to, read once: whether each waits and what it resolves to.
    referred = await _referred_documents(connection, rows.values())
    payloads = []
    dispatches = transitions.Dispatches()
    for event in claimed:
        row = rows.get(event["resource_pk"])
        if row is None:
            await transitions.give_back(connection, event)
            touched.add((event["organization_id"], event["provider"]))
            continue
        payload = await _build(
            connection,
            event,
            row,
            referred,
            dispatches,
            now=claim.now,
            policy=policy,
            sealer=sealer,
            touched=touched,
        )
        if payload is not None:
            payloads.append({**payload, "lease_expires_at": claim.lease_until.isoformat()})
    await transitions.dispatch(connection, dispatches)
    return payloads


async def _build(
    connection: AsyncConnection,
    event: EventRow,
    row: ResourceRow,
    referred: Mapping[str, Mapping[str, ResourceRow]],
    dispatches: transitions.Dispatches,
    *,
    now: datetime,
    policy: RetryPolicy,
    sealer: Sealer,
    touched: Touched,
) -> dict[str, Any] | None:
    documents = referred.get(row["organization_id"], {})
    waiting = await waits_for(connection, row) if row["deleting"] else unready(targets_of(row), documents)
    if waiting:
        await transitions.hold(connection, event, row, waiting)
        return None
    if row["deleting"] and not row["provisioned"]:
        await transitions.remove_provided(connection, event, row, touched=touched)
        return None
    inputs: Inputs | None = None
    if row["deleting"]:
        event_type = EventType.DELETE
    else:
        event_type = EventType.UPDATE if row["provisioned"] else EventType.CREATE
        try:
            inputs = resolve_from(row, documents, sealer)
        except (UnresolvableReferenceError, UnsealError) as error:
            payload = _payload(event, row, event_type, row["config"], {})
            failure = _failure(event, row, payload, unresolved(error), now)
            await transitions.fail(connection, [failure], touched=touched)
            return None
    config = inputs.resolved_config if inputs else (row["applied_config"] or row["config"])
    payload = _payload(event, row, event_type, config, inputs.dependencies if inputs else {})
    leased: Changes = {
        "event_type": event_type.value,
        "payload": payload,
        "generation": row["generation"],
        "inputs_digest": inputs.digest if inputs else None,
    }
    changes: Changes = {"pending_event_id": event["id"]}
    if event["attempt"] > 1:
        changes["retry"] = retry_status(event["attempt"], policy, None)
    if inputs is not None:
        changes["resolved_config"] = inputs.resolved_config
    dispatches.add(connection, event, row, leased, changes)
    waited = (now - event["available_at"]).total_seconds()
    leases_of(connection).append(
        Leased(event["id"], row["provider"], row["resource"], event_type.value, waited)
    )
    return payload


async def _referred_documents(
    connection: AsyncConnection, rows: Iterable[ResourceRow]
) -> dict[str, dict[str, ResourceRow]]:
    """The resources that ``rows`` (those not being deleted) refer to, by organization and id."""
    wanted: dict[str, set[str]] = {}
    for row in rows:
        if not row["deleting"]:
            wanted.setdefault(row["organization_id"], set()).update(targets_of(row))
    return {
        organization_id: await store.get_resources_by_ids(connection, organization_id, list(ids))
        for organization_id, ids in wanted.items()
        if ids
    }


def _failure(
    event: EventRow, row: ResourceRow, payload: dict[str, Any], error: str, now: datetime
) -> DeadLetter:
    changes = {
        "error": error,
        "error_traceback": None,
        "retry": None,
        "pending_event_id": None,
        "updated_at": now,
    }
    letter = dead_letter(event, row, payload, error, None, now)
    return DeadLetter(event, row, Cause.UNRESOLVABLE, letter, changes)


def _payload(
    event: EventRow,
    row: ResourceRow,
    event_type: EventType,
    config: dict[str, Any],
    dependencies: dict[str, Any],
) -> dict[str, Any]:
    payload = {
        "event_id": event["id"],
        "organization_id": row["organization_id"],
        "event_type": event_type.value,
        "provider": row["provider"],
        "resource": row["resource"],
        "name": row["name"],
        "config": config,
        "previous_config": row["applied_config"] if event_type is EventType.UPDATE else None,
        "outputs": row["outputs"] if row["provisioned"] else None,
        "tags": row["tags"],
        "resolved_dependencies": dependencies,
        "owner_references": row["owner_references"],
        "attempt": event["attempt"],
        "request_id": event["request_id"],
        "traceparent": event["traceparent"],
    }
    # JSON-ready (datetimes and enums as strings): it is stored in a JSON column.
    wire: dict[str, Any] = orjson.loads(orjson.dumps(payload))
    return wire
