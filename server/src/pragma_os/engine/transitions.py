"""The one writer of lifecycles: ``lifecycle_state``, ``waiting_on``, event rows, dead letters.

Every verb here asks ``engine/rules.py`` whether its cause is allowed from the resource's
current state (refusing with ``IllegalTransitionError``), writes the new state together with
what the rule says follows, and records the transition in the transaction's log
(``transition_log.log_of``), the one place where history and metrics can observe every change. Only this
module imports ``store/lifecycle_writes.py`` (an import-linter contract).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine.failures import DeadLetter, Retry
from pragma_os.engine.rules import NEW, Cause, State, next_state
from pragma_os.engine.transition_log import NO_DETAIL, Detail, Transition, log_of
from pragma_os.engine.waits import unready_targets, waits_for
from pragma_os.engine.wakeups import Touched
from pragma_os.ids import new_id
from pragma_os.store import dead_letters, events, links
from pragma_os.store import lifecycle_writes as writes
from pragma_os.store import resources as store
from pragma_os.store.events import LEASED, QUEUED
from pragma_os.store.types import (
    Changes,
    Claim,
    EventRow,
    NewResource,
    ResourceRow,
    Row,
    resource_row,
    with_changes,
)
from pragma_sdk.models import LifecycleState


def _move(
    connection: AsyncConnection,
    row: ResourceRow,
    cause: Cause,
    event_id: str | None = None,
    detail: Detail = NO_DETAIL,
) -> State:
    """The state ``cause`` takes ``row`` to, recorded (with ``detail``, for its history);
    refused when the table forbids it."""
    return _move_from(connection, _state(row), row, cause, event_id, detail)


def _move_from(
    connection: AsyncConnection,
    source: State,
    row: NewResource,
    cause: Cause,
    event_id: str | None = None,
    detail: Detail = NO_DETAIL,
) -> State:
    """``_move`` from ``source``: ``NEW`` for a resource not stored yet."""
    target = next_state(cause, source, provisioned=row["provisioned"])
    log_of(connection).append(
        Transition(
            cause,
            row["organization_id"],
            row["id"],
            source,
            target,
            event_id,
            row["generation"],
            detail,
            provider=row["provider"],
            resource=row["resource"],
        )
    )
    return target


def _worker_detail(event: EventRow, **fields: Any) -> Detail:
    """The detail of a transition a worker's lease or result causes."""
    return Detail(
        actor=event["lease_owner"], attempt=event["attempt"], leased_at=event.get("leased_at"), **fields
    )


def _state(row: ResourceRow) -> State:
    return LifecycleState(row["lifecycle_state"])


def _back_in_queue(attempt: int, **changes: Any) -> Changes:
    """The columns that put a leased event back in the queue."""
    return {"status": QUEUED, "lease_owner": None, "lease_expires_at": None, "attempt": attempt, **changes}


def new_event(
    row: ResourceRow,
    *,
    blocked: bool,
    now: datetime,
    event_id: str | None = None,
    request_id: str | None = None,
    traceparent: str | None = None,
) -> Row:
    """The queue row of a resource's next event, due now; ``request_id`` and ``traceparent``: of
    the request that caused it (its apply's span), handed to the worker with the lease."""
    return {
        "id": event_id or new_id("evt"),
        "organization_id": row["organization_id"],
        "provider": row["provider"],
        "resource_pk": row["pk"],
        "status": QUEUED,
        "blocked": blocked,
        "available_at": now,
        "attempt": 0,
        "created_at": now,
        "request_id": request_id,
        "traceparent": traceparent,
    }


async def _queue_event(
    connection: AsyncConnection,
    row: ResourceRow,
    *,
    now: datetime,
    touched: Touched,
    event_id: str | None = None,
    request_id: str | None = None,
    traceparent: str | None = None,
) -> list[str]:
    """Make sure the resource has an event queued; returns what it waits on.

    A queued event is refreshed (due now, retries reset, ``request_id`` the latest cause's). A
    leased one is left alone: when it completes, the engine sees the newer generation and
    queues the follow-up itself.
    """
    waiting = await waits_for(connection, row)
    blocked = bool(waiting)
    event = await events.get_event_for_resource(connection, row["pk"])
    if event is None:
        await writes.insert_events(
            connection,
            [
                new_event(
                    row,
                    blocked=blocked,
                    now=now,
                    event_id=event_id,
                    request_id=request_id,
                    traceparent=traceparent,
                )
            ],
        )
    elif event["status"] == QUEUED:
        refreshed = {"blocked": blocked, "available_at": now, "attempt": 0, "last_error": None}
        await writes.update_events(
            connection, [(event["pk"], {**refreshed, "request_id": request_id, "traceparent": traceparent})]
        )
    if not blocked:
        touched.add((row["organization_id"], row["provider"]))
    return waiting


# Applying


def apply_state(row: ResourceRow, changes: Changes, *, wants_processing: bool) -> None:
    """Add to an apply's ``changes`` the state it takes (with a fresh error and retry), if it moves.

    Raises:
        IllegalTransitionError: ``draft`` asked for a resource that cannot go back to it.
    """
    current = _state(row)
    cause = Cause.APPLY if wants_processing else Cause.APPLY_DRAFT
    state = next_state(cause, current, provisioned=bool(row["provisioned"]))
    if state is not current:
        changes.update(lifecycle_state=state, error=None, error_traceback=None, retry=None)


async def create(
    connection: AsyncConnection,
    new: Sequence[tuple[NewResource, bool, str | None, str | None]],
    *,
    now: datetime,
    touched: Touched,
) -> list[ResourceRow]:
    """Insert new resources, ``(values, wants_processing, request_id, traceparent)`` each, with their first
    state, and queue the events of those to process; returns them as stored.

    Raises:
        AlreadyExistsError: One of them exists already (nothing is written then).
    """
    values: list[Row] = []
    for declared, wants_processing, _request_id, _traceparent in new:
        cause = Cause.APPLY if wants_processing else Cause.APPLY_DRAFT
        state = _move_from(
            connection, NEW, declared, cause, detail=Detail(config_before={}, config_after=declared["config"])
        )
        waiting = await unready_targets(connection, declared) if state is LifecycleState.PENDING else []
        values.append({**declared, "lifecycle_state": state, "waiting_on": waiting})
    pks = await writes.insert_resources(connection, values)
    rows = [resource_row({**row, "pk": pk}) for row, pk in zip(values, pks, strict=True)]
    queued = [
        (row, request_id, traceparent)
        for row, (_declared, _wants, request_id, traceparent) in zip(rows, new, strict=True)
        if row["lifecycle_state"] is LifecycleState.PENDING
    ]
    await writes.insert_events(
        connection,
        [
            new_event(
                row, blocked=bool(row["waiting_on"]), now=now, request_id=request_id, traceparent=traceparent
            )
            for row, request_id, traceparent in queued
        ],
    )
    queued_rows = [row for row, *_cause in queued]
    touched.update((row["organization_id"], row["provider"]) for row in queued_rows if not row["waiting_on"])
    return rows


async def update(
    connection: AsyncConnection,
    row: ResourceRow,
    changes: Changes,
    *,
    now: datetime,
    touched: Touched,
    request_id: str | None = None,
    traceparent: str | None = None,
) -> ResourceRow:
    """Write an apply's ``changes`` (state from ``apply_state``) and what follows; returns the row.

    ``request_id`` and ``traceparent``: of the apply, recorded on the event it queues."""
    updated = with_changes(row, changes)
    source, target = _state(row), _state(updated)
    if "lifecycle_state" in changes or "generation" in changes:
        detail = (
            Detail(config_before=row["config"], config_after=updated["config"])
            if "config" in changes
            else NO_DETAIL
        )
        log_of(connection).append(
            Transition(
                _apply_cause(target),
                row["organization_id"],
                row["id"],
                source,
                target,
                generation=updated["generation"],
                detail=detail,
                provider=row["provider"],
                resource=row["resource"],
            )
        )
    if target in (LifecycleState.PENDING, LifecycleState.PROCESSING) and (
        "generation" in changes or "lifecycle_state" in changes
    ):
        changes["waiting_on"] = await _queue_event(
            connection, updated, now=now, touched=touched, request_id=request_id, traceparent=traceparent
        )
    elif target is LifecycleState.DRAFT and source is LifecycleState.PENDING:
        # Its queued event must not be leased for a draft.
        event = await events.get_event_for_resource(connection, row["pk"])
        if event is not None and event["status"] == QUEUED:
            await writes.delete_events(connection, [event["pk"]])
        changes["waiting_on"] = []
    if source is LifecycleState.FAILED and "lifecycle_state" in changes:
        await dead_letters.delete_dead_letters(connection, row["organization_id"], resource_id=row["id"])
    await writes.update_resource(connection, row, changes)
    if source is LifecycleState.READY and target is not LifecycleState.READY:
        await unblock_dependents(connection, row, touched=touched)
    return with_changes(row, changes)


def _apply_cause(target: State) -> Cause:
    return Cause.APPLY_DRAFT if target is LifecycleState.DRAFT else Cause.APPLY


# Deleting


async def mark_deleting(
    connection: AsyncConnection,
    row: ResourceRow,
    *,
    now: datetime,
    touched: Touched,
    caused_by: str | None = None,
    request_id: str | None = None,
) -> ResourceRow:
    """Mark a provisioned (or not yet removable) resource ``deleting`` and queue its ``DELETE``
    (``caused_by``: the owner whose deletion takes it along; ``request_id``: of the request
    deleting it, recorded on the event)."""
    changes: Changes = {"deleting": True, "updated_at": now}
    changes["lifecycle_state"] = _move(connection, row, Cause.DELETE, detail=Detail(caused_by=caused_by))
    changes["waiting_on"] = await _queue_event(
        connection, with_changes(row, changes), now=now, touched=touched, request_id=request_id
    )
    await writes.update_resource(connection, row, changes)
    return with_changes(row, changes)


async def remove(
    connection: AsyncConnection, row: ResourceRow, *, touched: Touched, detail: Detail = NO_DETAIL
) -> None:
    """Delete a resource's row (and its event); whoever waited for it to go (owners,
    dependencies) may proceed.

    A waiter being deleted that was never provisioned and now waits for nothing goes too,
    at once: it needs no provider call, and its provider may have no worker at all.
    """
    _move(connection, row, Cause.REMOVE, detail=detail)
    waiting_for_it = await links.targets_of(connection, row["pk"], links.OWNER)
    waiting_for_it += await links.targets_of(connection, row["pk"], links.DEPENDENCY)
    await writes.delete_resource(connection, row)
    waiters = await store.get_resources_by_ids(connection, row["organization_id"], waiting_for_it)
    for waiter in waiters.values():
        if await removable_now(connection, waiter):
            await remove(connection, waiter, touched=touched)
            continue
        await writes.unblock_events(connection, [waiter["pk"]])
        touched.add((waiter["organization_id"], waiter["provider"]))


async def removable_now(connection: AsyncConnection, row: ResourceRow) -> bool:
    """Whether a resource being deleted can go without its provider: never provisioned,
    not in a worker's hands, and nothing left to wait for."""
    if not row["deleting"] or row["provisioned"]:
        return False
    event = await events.get_event_for_resource(connection, row["pk"])
    return not (event is not None and event["status"] == LEASED) and not await waits_for(connection, row)


async def remove_provided(
    connection: AsyncConnection, event: EventRow, row: ResourceRow, *, touched: Touched
) -> None:
    """The provider deleted the resource (or nothing was created for it): the row goes."""
    await writes.delete_events(connection, [event["pk"]])
    await remove(connection, row, touched=touched, detail=_worker_detail(event))


async def discard_provider_resources(connection: AsyncConnection, organization_id: str, provider: str) -> int:
    """Remove every resource of a provider being deleted, with no provider call; returns how many."""
    return await writes.delete_provider_resources(connection, organization_id, provider)


# Waking


async def unblock(connection: AsyncConnection, resource_pks: Sequence[int]) -> None:
    """Have the queued events of these resources check their waits again at their next lease."""
    await writes.unblock_events(connection, resource_pks)


async def unblock_all(connection: AsyncConnection) -> int:
    """Have every waiting event check its waits again at its next lease; returns how many."""
    return await writes.unblock_all(connection)


async def unblock_dependents(connection: AsyncConnection, row: ResourceRow, *, touched: Touched) -> None:
    """A resource stopped being ready: its waiting dependents check their waits again, so
    their ``waiting_on`` names it."""
    await _unblock_dependents_of(connection, [row], touched=touched)


async def _unblock_dependents_of(
    connection: AsyncConnection, rows: Sequence[ResourceRow], *, touched: Touched
) -> None:
    by_organization: dict[str, list[str]] = {}
    for row in rows:
        by_organization.setdefault(row["organization_id"], []).append(row["id"])
    for organization_id, resource_ids in by_organization.items():
        dependents = await links.linking_to(connection, organization_id, resource_ids, links.DEPENDENCY)
        await writes.unblock_events(connection, [dependent["pk"] for dependent in dependents])
        touched.update((dependent["organization_id"], dependent["provider"]) for dependent in dependents)


# Leasing


async def claim(connection: AsyncConnection, claim: Claim) -> list[EventRow]:
    """Lease the due events ``claim`` asks for in one statement (states follow with ``dispatch``)."""
    return await writes.claim_events(connection, claim)


async def give_back(connection: AsyncConnection, event: EventRow) -> None:
    """Put back a claimed event whose resource another transaction holds; the claim never counted."""
    await writes.update_events(connection, [(event["pk"], _back_in_queue(event["attempt"] - 1))])


async def hold(connection: AsyncConnection, event: EventRow, row: ResourceRow, waiting: list[str]) -> None:
    """A claimed event's resource waits on ``waiting``: back in the queue, blocked."""
    _move(connection, row, Cause.WAIT, event["id"])
    await writes.update_events(
        connection, [(event["pk"], _back_in_queue(event["attempt"] - 1, blocked=True))]
    )
    if waiting != row["waiting_on"]:
        await writes.update_resource(connection, row, {"waiting_on": waiting})


@dataclass
class Dispatches:
    """Claimed events handed to a worker: written with one statement per table by ``dispatch``."""

    events: list[tuple[int, Changes]] = field(default_factory=list)
    resources: list[tuple[ResourceRow, Changes]] = field(default_factory=list)

    def add(
        self,
        connection: AsyncConnection,
        event: EventRow,
        row: ResourceRow,
        leased: Changes,
        changes: Changes,
    ) -> None:
        """Hand ``event`` (its columns ``leased`` set) to a worker; its resource takes ``changes``."""
        state = _move(connection, row, Cause.LEASE, event["id"], _worker_detail(event))
        self.events.append((event["pk"], leased))
        self.resources.append((row, {**changes, "lifecycle_state": state, "waiting_on": []}))


async def dispatch(connection: AsyncConnection, dispatches: Dispatches) -> None:
    """Write the leases collected in ``dispatches``."""
    await writes.update_events(connection, dispatches.events)
    await writes.update_resources(connection, dispatches.resources)


# A heartbeat changes no state: the store's write itself.
extend_leases = writes.extend_leases


async def end_leases_of(
    connection: AsyncConnection, owner_prefix: str, keep_prefix: str, now: datetime
) -> int:
    """End the leases of dead workers now (the rescuer takes them next); returns how many."""
    return await writes.expire_leases_of(connection, owner_prefix, keep_prefix, now)


async def end_leases_held_by(connection: AsyncConnection, workers: Sequence[str], now: datetime) -> int:
    """End the leases of ``workers``, whose processes have exited (the rescuer takes them next);
    returns how many."""
    return await writes.expire_leases_held_by(connection, workers, now)


# Results


async def succeed(
    connection: AsyncConnection,
    event: EventRow,
    row: ResourceRow,
    changes: Changes,
    *,
    follow_up: bool,
    now: datetime,
    touched: Touched,
) -> ResourceRow:
    """The provider finished ``event``: ready, or (``follow_up``) pending with the next event."""
    detail = _worker_detail(event, outputs_before=row["outputs"], outputs_after=changes.get("outputs"))
    if follow_up:
        changes["lifecycle_state"] = _move(connection, row, Cause.FOLLOW_UP, event["id"], detail)
        waiting = await waits_for(connection, with_changes(row, changes))
        # The change behind a follow-up came while this event was leased; its request is not known.
        fresh = _back_in_queue(
            0,
            id=new_id("evt"),
            blocked=bool(waiting),
            available_at=now,
            last_error=None,
            request_id=None,
            traceparent=None,
        )
        await writes.update_events(connection, [(event["pk"], fresh)])
        if not waiting:
            touched.add((row["organization_id"], row["provider"]))
        changes["waiting_on"] = waiting
    else:
        changes["lifecycle_state"] = _move(connection, row, Cause.SUCCESS, event["id"], detail)
        await writes.delete_events(connection, [event["pk"]])
    await writes.update_resource(connection, row, changes)
    return with_changes(row, changes)


async def dependency_changed(
    connection: AsyncConnection,
    row: ResourceRow,
    *,
    now: datetime,
    touched: Touched,
    dependency: str,
    request_id: str | None = None,
    traceparent: str | None = None,
) -> None:
    """A value this ready resource took from ``dependency`` changed: back to pending for an
    ``UPDATE`` (``request_id`` and ``traceparent``: of the request behind the change, when known)."""
    moved = _move(connection, row, Cause.DEPENDENCY_CHANGE, detail=Detail(caused_by=dependency))
    changes: Changes = {"lifecycle_state": moved, "updated_at": now}
    changes["waiting_on"] = await _queue_event(
        connection,
        with_changes(row, changes),
        now=now,
        touched=touched,
        request_id=request_id,
        traceparent=traceparent,
    )
    await writes.update_resource(connection, row, changes)
    await unblock_dependents(connection, row, touched=touched)


async def retry_later(connection: AsyncConnection, retries: Sequence[Retry], *, touched: Touched) -> None:
    """Put failed events back in the queue, with one statement per table."""
    if not retries:
        return
    resources = _moved(connection, retries)
    touched.update((retry.row["organization_id"], retry.row["provider"]) for retry in retries)
    await writes.update_events(
        connection,
        [(retry.event["pk"], _back_in_queue(retry.attempt, available_at=retry.due, last_error=retry.error))
         for retry in retries],
    )  # fmt: skip
    await writes.update_resources(connection, resources)


async def fail(connection: AsyncConnection, failures: Sequence[DeadLetter], *, touched: Touched) -> None:
    """Events failed for good: dead letters, events dropped, resources ``failed``, dependents told;
    a resource being deleted that was never provisioned goes."""
    if not failures:
        return
    resources = _moved(connection, failures)
    await writes.insert_dead_letters(connection, [failure.letter for failure in failures])
    await writes.delete_events(connection, [failure.event["pk"] for failure in failures])
    await _unblock_dependents_of(connection, [failure.row for failure in failures], touched=touched)
    await writes.update_resources(connection, resources)
    for (row, changes), failure in zip(resources, failures, strict=True):
        if row["deleting"] and not row["provisioned"] and failure.cause is Cause.FAILURE:
            await remove(connection, with_changes(row, changes), touched=touched)


def _moved(
    connection: AsyncConnection, outcomes: Sequence[Retry | DeadLetter]
) -> list[tuple[ResourceRow, Changes]]:
    """Each failed event's resource with its changes and the state its cause moves it to."""
    return [
        (
            outcome.row,
            {
                **outcome.changes,
                "lifecycle_state": _move(
                    connection,
                    outcome.row,
                    outcome.cause,
                    outcome.event["id"],
                    _worker_detail(
                        outcome.event,
                        error=outcome.changes.get("error"),
                        traceback=outcome.changes.get("error_traceback"),
                    ),
                ),
            },
        )
        for outcome in outcomes
    ]


# Dead letters


async def retry_dead_letter(
    connection: AsyncConnection,
    row: ResourceRow,
    event_id: str,
    *,
    now: datetime,
    touched: Touched,
    request_id: str | None = None,
) -> None:
    """Process a dead letter's resource again, its event queued under the letter's id
    (``request_id``: of the request retrying it, recorded on the event)."""
    changes: Changes = {
        "lifecycle_state": _move(connection, row, Cause.DEAD_LETTER_RETRY, event_id),
        "error": None,
        "error_traceback": None,
        "retry": None,
        "updated_at": now,
    }
    changes["waiting_on"] = await _queue_event(
        connection,
        with_changes(row, changes),
        now=now,
        touched=touched,
        event_id=event_id,
        request_id=request_id,
    )
    await writes.update_resource(connection, row, changes)
