"""Dispatch: leasing events to workers, taking their results, rescuing expired leases.

Each function runs inside the caller's transaction: a lease and the ``processing`` state it
causes, or a result and the states and events it causes downstream, commit together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine import lifecycle
from pragma_os.engine.documents import path_of, to_document
from pragma_os.engine.references import UnresolvableReferenceError, marker_targets, resolve_config
from pragma_os.engine.retry import RetryPolicy
from pragma_os.engine.scheduling import queue, recheck_dependents, remove, targets_of, waits_for
from pragma_os.engine.wakeups import Touched
from pragma_os.ids import new_id
from pragma_os.secrets.redaction import Redactor
from pragma_os.secrets.sealing import Sealer, UnsealError, contains_sealed, scrub
from pragma_os.store import dead_letters, events, links
from pragma_os.store import resources as store
from pragma_sdk.models import EventType, LifecycleState
from pragma_sdk.provider import cap_traceback

Row = dict[str, Any]
Redact = Callable[[str], str]


@dataclass(frozen=True)
class Inputs:
    """What a resource's handler is given from its dependencies, and its digest."""

    resolved_config: dict[str, Any]
    dependencies: dict[str, dict[str, Any]]
    digest: str


async def resolve_inputs(connection: AsyncConnection, row: Row, sealer: Sealer) -> Inputs:
    """Resolve a resource's references against the current state of its dependencies.

    Raises:
        UnresolvableReferenceError: A referenced field does not exist.
        UnsealError: An interpolated secret was sealed with another server key.
    """
    targets = targets_of(row)
    documents = await store.get_resources_by_ids(connection, row["organization_id"], list(targets))
    missing = [target.path for target_id, target in targets.items() if target_id not in documents]
    if missing:
        raise UnresolvableReferenceError(f"{', '.join(missing)} does not exist")
    resolved = resolve_config(row["config"], documents, sealer)
    markers = {
        target_id: to_document(documents[target_id], sealed=True)
        for target_id in marker_targets(row["config"])
    }
    fingerprint = {
        "config": resolved,
        "dependencies": {
            target_id: [document["resolved_config"], document["outputs"]]
            for target_id, document in sorted(markers.items())
        },
    }
    digest = hashlib.sha256(orjson.dumps(fingerprint, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return Inputs(resolved, markers, digest)


def _wire(value: Any) -> Any:
    """JSON-ready copy (datetimes and enums as strings) for payloads stored in JSON columns."""
    return orjson.loads(orjson.dumps(value))


async def lease(
    connection: AsyncConnection,
    organization_id: str | None,
    providers: Sequence[str],
    owner: str,
    limit: int,
    now: datetime,
    lease_seconds: float,
    policy: RetryPolicy,
    sealer: Sealer,
    touched: Touched,
) -> list[dict[str, Any]]:
    """Lease up to ``limit`` events and build each into a ``LifecycleEvent`` payload.

    An event whose resource turns out to wait on something goes back to the queue, blocked;
    a delete of a resource nothing was created for completes here without a provider call.
    """
    lease_until = now + timedelta(seconds=lease_seconds)
    claimed = await events.claim_events(
        connection, organization_id, providers, owner, limit, now, lease_until
    )
    if not claimed:
        return []
    # Locks are always taken resource first, then event, except here where the claim holds the
    # events already: skip resources another transaction holds (an apply in progress) and put
    # their events back, rather than wait and risk a deadlock.
    rows = await store.get_resources_by_pks(
        connection, [event["resource_pk"] for event in claimed], skip_locked=True
    )
    payloads = []
    dispatched = _Dispatched()
    for event in claimed:
        row = rows.get(event["resource_pk"])
        if row is None:
            await events.update_event(
                connection,
                event["pk"],
                {"status": events.QUEUED, "lease_owner": None, "lease_expires_at": None,
                 "attempt": event["attempt"] - 1},
            )  # fmt: skip
            touched.add((event["organization_id"], event["provider"]))
            continue
        payload = await _build(
            connection, event, row, dispatched, now=now, policy=policy, sealer=sealer, touched=touched
        )
        if payload is not None:
            payloads.append({**payload, "lease_expires_at": lease_until.isoformat()})
    await events.update_events(connection, dispatched.events)
    await store.update_resources(connection, dispatched.resources)
    return payloads


@dataclass
class _Dispatched:
    """What dispatching a lease's events writes, made with one statement per table at the end."""

    events: list[tuple[int, Row]] = field(default_factory=list)
    resources: list[tuple[Row, Row]] = field(default_factory=list)


async def _build(
    connection: AsyncConnection,
    event: Row,
    row: Row,
    dispatched: _Dispatched,
    *,
    now: datetime,
    policy: RetryPolicy,
    sealer: Sealer,
    touched: Touched,
) -> dict[str, Any] | None:
    waiting = await waits_for(connection, row)
    if waiting:
        await events.update_event(
            connection,
            event["pk"],
            {"status": events.QUEUED, "blocked": True, "lease_owner": None, "lease_expires_at": None,
             "attempt": event["attempt"] - 1},
        )  # fmt: skip
        if waiting != row["waiting_on"]:
            await store.update_resource(connection, row, {"waiting_on": waiting})
        return None
    if row["deleting"] and not row["provisioned"]:
        await events.delete_event(connection, event["pk"])
        await remove(connection, row, touched=touched)
        return None
    inputs: Inputs | None = None
    if row["deleting"]:
        event_type = EventType.DELETE
    else:
        event_type = EventType.UPDATE if row["provisioned"] else EventType.CREATE
        try:
            inputs = await resolve_inputs(connection, row, sealer)
        except (UnresolvableReferenceError, UnsealError) as error:
            payload = _payload(event, row, event_type, row["config"], {})
            await _fail(connection, event, row, payload, _unresolved(error), now=now, touched=touched)
            return None
    config = inputs.resolved_config if inputs else (row["applied_config"] or row["config"])
    payload = _payload(event, row, event_type, config, inputs.dependencies if inputs else {})
    dispatched.events.append(
        (
            event["pk"],
            {
                "event_type": event_type.value,
                "payload": payload,
                "generation": row["generation"],
                "inputs_digest": inputs.digest if inputs else None,
            },
        )
    )
    changes: Row = {
        "lifecycle_state": lifecycle.state_after_lease(LifecycleState(row["lifecycle_state"])),
        "pending_event_id": event["id"],
        "waiting_on": [],
    }
    if event["attempt"] > 1:
        changes["retry"] = retry_status(event["attempt"], policy, None)
    if inputs is not None:
        changes["resolved_config"] = inputs.resolved_config
    dispatched.resources.append((row, changes))
    return payload


def _unresolved(error: UnresolvableReferenceError | UnsealError) -> str:
    """The error of a resource whose references cannot be resolved, saying how to repair it."""
    if isinstance(error, UnsealError):
        return f"{error}; apply the secret again"
    return f"Unresolvable reference: {error}"


def _payload(
    event: Row, row: Row, event_type: EventType, config: dict[str, Any], dependencies: dict[str, Any]
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
    }
    wire: dict[str, Any] = _wire(payload)
    return wire


def retry_status(attempt: int, policy: RetryPolicy, due: datetime | None) -> Row:
    """The document's ``retry``: delivery ``attempt`` of the policy's, due at ``due`` (None: running)."""
    return {
        "attempt": attempt,
        "max_attempts": policy.max_attempts,
        "next_attempt_at": due.isoformat() if due is not None else None,
    }


def failure_traceback(result: Any, plaintexts: Collection[str], redact: Redact | None) -> str | None:
    """A result's traceback as kept: capped, and without the secret values the event carried
    (``plaintexts``) or the organization holds (``redact``)."""
    text = result.traceback
    if not isinstance(text, str) or not text:
        return None
    text = cap_traceback(text)
    if plaintexts:
        text = Redactor(plaintexts).redact(text)
    return redact(text) if redact is not None else text


@dataclass(frozen=True)
class Rejection:
    """A result the engine refused, and why."""

    event_id: str
    reason: str


async def complete(
    connection: AsyncConnection,
    organization_id: str | None,
    owner: str,
    results: Sequence[Any],
    *,
    providers: Sequence[str] | None = None,
    now: datetime,
    policy: RetryPolicy,
    sealer: Sealer,
    touched: Touched,
    redact: Redact | None = None,
) -> list[Rejection]:
    """Apply a batch of a worker's ``LifecycleResult``s (of the organization, or of any when
    ``None``); returns the results refused because the worker does not hold their lease.

    With ``providers``, events of other providers count as not held, whatever their lease owner.

    The batch's events, resources and whether anything depends on them are read with one
    query each. Secret values an event carried are sealed again where its result repeats them;
    a failure's traceback is kept without them, and without what ``redact`` removes.
    """
    event_ids = [result.event_id for result in results]
    # Resource first, then event: the order every transaction locks them in.
    found = await events.get_events(connection, organization_id, event_ids, lock=False)
    rows = await store.get_resources_by_pks(connection, [event["resource_pk"] for event in found.values()])
    held = await events.get_events(connection, organization_id, list(found))
    linked = await links.linked_targets(
        connection, organization_id, [row["id"] for row in rows.values()], links.DEPENDENCY
    )
    rejections = []
    for result in results:
        # A result repeated in the batch finds its event taken by the first one.
        event = held.pop(result.event_id, None)
        stale = event is not None and result.attempt is not None and result.attempt != event["attempt"]
        foreign = event is not None and providers is not None and event["provider"] not in providers
        if (
            event is None
            or event["status"] != events.LEASED
            or event["lease_owner"] != owner
            or stale
            or foreign
        ):
            rejections.append(
                Rejection(
                    result.event_id,
                    "this worker does not hold a lease on the event "
                    "(it expired and was redelivered, or it never existed)",
                )
            )
            continue
        row = rows[event["resource_pk"]]
        outputs, error = result.outputs or {}, result.error or "unknown error"
        plaintexts: Collection[str] = ()
        if contains_sealed(event["payload"]):
            plaintexts = sealer.plaintexts(event["payload"])
            outputs, error = sealer.conceal(outputs, plaintexts), scrub(error, plaintexts)
        if result.success:
            await _succeed(
                connection,
                event,
                row,
                outputs,
                now=now,
                sealer=sealer,
                touched=touched,
                has_dependents=row["id"] in linked,
            )
        else:
            failure = Failure(error, failure_traceback(result, plaintexts, redact), bool(result.permanent))
            await _retry_or_fail(connection, event, row, failure, now=now, policy=policy, touched=touched)
    return rejections


async def _succeed(
    connection: AsyncConnection,
    event: Row,
    row: Row,
    outputs: dict[str, Any],
    *,
    now: datetime,
    sealer: Sealer,
    touched: Touched,
    has_dependents: bool,
) -> None:
    if event["event_type"] == EventType.DELETE:
        await events.delete_event(connection, event["pk"])
        await remove(connection, row, touched=touched)
        return
    payload = event["payload"] or {}
    changes: Row = {
        "outputs": outputs,
        "provisioned": True,
        "observed_generation": event["generation"],
        "applied_config": payload.get("config"),
        "inputs_digest": event["inputs_digest"],
        "error": None,
        "error_traceback": None,
        "retry": None,
        "pending_event_id": None,
        "updated_at": now,
    }
    settled = {**row, **changes}
    follow_up = row["deleting"] or row["generation"] != event["generation"]
    if not follow_up:
        follow_up = await _inputs_changed(connection, settled, sealer)
    if follow_up:
        changes["lifecycle_state"] = lifecycle.state_after_follow_up()
        changes["waiting_on"] = await _requeue(
            connection, event, {**settled, **changes}, now=now, touched=touched
        )
    else:
        changes["lifecycle_state"] = lifecycle.state_after_success()
        await events.delete_event(connection, event["pk"])
    await store.update_resource(connection, row, changes)
    if has_dependents:
        await propagate(connection, {**row, **changes}, now=now, sealer=sealer, touched=touched)


async def _inputs_changed(connection: AsyncConnection, row: Row, sealer: Sealer) -> bool:
    try:
        inputs = await resolve_inputs(connection, row, sealer)
    except (UnresolvableReferenceError, UnsealError):
        return True  # the next attempt reports it
    return bool(inputs.digest != row["inputs_digest"])


async def _requeue(
    connection: AsyncConnection, event: Row, row: Row, *, now: datetime, touched: Touched
) -> list[str]:
    """Turn a finished event into the resource's next one: fresh id, due now, no attempts yet."""
    waiting = await waits_for(connection, row)
    await events.update_event(
        connection,
        event["pk"],
        {
            "id": new_id("evt"),
            "status": events.QUEUED,
            "blocked": bool(waiting),
            "available_at": now,
            "attempt": 0,
            "lease_owner": None,
            "lease_expires_at": None,
            "last_error": None,
        },
    )
    if not waiting:
        touched.add((row["organization_id"], row["provider"]))
    return waiting


async def propagate(
    connection: AsyncConnection, row: Row, *, now: datetime, sealer: Sealer, touched: Touched
) -> None:
    """Tell the dependents of a resource that it changed.

    Waiting dependents are unblocked (their waits are checked again at lease); ready ones whose
    resolved inputs changed go back to ``pending`` with an ``UPDATE``; the rest are untouched.
    """
    dependents = await links.linking_to(connection, row["organization_id"], [row["id"]], links.DEPENDENCY)
    if not dependents:
        return
    dependents.sort(key=lambda dependent: dependent["pk"])  # lock rows in one order everywhere
    await events.unblock_events(connection, [dependent["pk"] for dependent in dependents])
    for dependent in dependents:
        touched.add((dependent["organization_id"], dependent["provider"]))
        if dependent["lifecycle_state"] != LifecycleState.READY or dependent["deleting"]:
            continue
        if row["lifecycle_state"] != LifecycleState.READY or not await _inputs_changed(
            connection, dependent, sealer
        ):
            continue
        changes: Row = {
            "lifecycle_state": lifecycle.state_after_dependency_change(),
            "updated_at": now,
        }
        changes["waiting_on"] = await queue(connection, {**dependent, **changes}, now=now, touched=touched)
        await store.update_resource(connection, dependent, changes)
        await recheck_dependents(connection, dependent, touched=touched)


@dataclass(frozen=True)
class Failure:
    """How an attempt failed: the error, the handler's traceback when it sent one, whether for good."""

    error: str
    traceback: str | None = None
    permanent: bool = False


async def _retry_or_fail(
    connection: AsyncConnection,
    event: Row,
    row: Row,
    failure: Failure,
    *,
    now: datetime,
    policy: RetryPolicy,
    touched: Touched,
) -> None:
    changed_since = row["generation"] != event["generation"]
    if changed_since or (not failure.permanent and not policy.exhausted(event["attempt"])):
        delay = 0.0 if changed_since else policy.delay(event["attempt"])
        due = now + timedelta(seconds=delay)
        await events.update_event(
            connection,
            event["pk"],
            {
                "status": events.QUEUED,
                "available_at": due,
                "attempt": 0 if changed_since else event["attempt"],
                "lease_owner": None,
                "lease_expires_at": None,
                "last_error": failure.error,
            },
        )
        await store.update_resource(
            connection,
            row,
            {
                "lifecycle_state": lifecycle.state_after_retryable_failure(),
                "error": failure.error,
                "error_traceback": failure.traceback,
                # A change made meanwhile starts its attempts afresh: no retry to show.
                "retry": None if changed_since else retry_status(event["attempt"] + 1, policy, due),
                "pending_event_id": None,
                "updated_at": now,
            },
        )
        touched.add((row["organization_id"], row["provider"]))
        return
    await _fail(
        connection,
        event,
        row,
        event["payload"] or {},
        failure.error,
        now=now,
        touched=touched,
        traceback=failure.traceback,
    )
    if row["deleting"] and not row["provisioned"]:
        await remove(connection, row, touched=touched)


async def _fail(
    connection: AsyncConnection,
    event: Row,
    row: Row,
    payload: dict[str, Any],
    error: str,
    *,
    now: datetime,
    touched: Touched,
    traceback: str | None = None,
) -> None:
    """The event failed for good: dead letter, and the resource ``failed`` with the error
    (and the handler's traceback, when it sent one)."""
    await dead_letters.insert_dead_letter(
        connection,
        {
            "event_id": event["id"],
            "organization_id": row["organization_id"],
            "provider": row["provider"],
            "resource_type": row["resource"],
            "resource_name": row["name"],
            "resource_id": row["id"],
            "event_type": payload.get("event_type") or event["event_type"] or EventType.CREATE.value,
            "payload": payload,
            "error_message": error,
            "error_traceback": traceback,
            "attempt_count": max(event["attempt"], 1),
            "failed_at": now,
        },
    )
    await events.delete_event(connection, event["pk"])
    await recheck_dependents(connection, row, touched=touched)
    await store.update_resource(
        connection,
        row,
        {
            "lifecycle_state": lifecycle.state_after_failure(),
            "error": error,
            "error_traceback": traceback,
            "retry": None,
            "pending_event_id": None,
            "updated_at": now,
        },
    )


async def rescue_expired(
    connection: AsyncConnection, *, now: datetime, policy: RetryPolicy, touched: Touched
) -> int:
    """Treat every lease that ran out as a failed attempt (the worker died or hung); returns how many."""
    candidates = await events.expired_leases(connection, now)
    # Resource first (skipping those busy elsewhere, the next round gets them), then the event again.
    rows = await store.get_resources_by_pks(
        connection, [event["resource_pk"] for event in candidates], skip_locked=True
    )
    expired = []
    for candidate in candidates:
        event = await events.get_event(
            connection, candidate["organization_id"], candidate["id"], skip_locked=True
        )
        still_expired = (
            event is not None
            and event["status"] == events.LEASED
            and event["lease_expires_at"] is not None
            and event["lease_expires_at"] < now
        )
        if still_expired and event is not None and candidate["resource_pk"] in rows:
            expired.append(event)
    for event in expired:
        row = rows[event["resource_pk"]]
        error = f"Lease expired: the worker stopped heartbeating while handling {path_of(row)}"
        await _retry_or_fail(connection, event, row, Failure(error), now=now, policy=policy, touched=touched)
    return len(expired)
