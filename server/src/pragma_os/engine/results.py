"""Taking a worker's results: success (ready, or a follow-up), retry, or a dead letter.

Runs inside the caller's transaction, so a result and the states and events it causes
downstream commit together; ``engine/transitions.py`` writes them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine import transitions
from pragma_os.engine.failures import DeadLetter, Failure, Redact, Retry, decide, failure_traceback
from pragma_os.engine.inputs import inputs_changed
from pragma_os.engine.propagation import propagate
from pragma_os.engine.retry import RetryPolicy
from pragma_os.engine.transition_log import Outcome, outcomes_of
from pragma_os.engine.wakeups import Touched
from pragma_os.secrets.sealing import Sealer, contains_sealed, scrub
from pragma_os.store import events, links
from pragma_os.store import resources as store
from pragma_os.store.types import Changes, EventRow, ResourceRow, with_changes
from pragma_sdk import tracing
from pragma_sdk.models import EventType
from pragma_sdk.provider import LifecycleResult


@dataclass(frozen=True)
class Rejection:
    """A result the engine refused, and why."""

    event_id: str
    reason: str


_NOT_HELD = (
    "this worker does not hold a lease on the event (it expired and was redelivered, or it never existed)"
)


async def complete(
    connection: AsyncConnection,
    organization_id: str | None,
    owner: str,
    results: Sequence[LifecycleResult],
    *,
    providers: Sequence[str] | None = None,
    now: datetime,
    policy: RetryPolicy,
    sealer: Sealer,
    touched: Touched,
    redact: Redact | None = None,
) -> list[Rejection]:
    """Apply a batch of a worker's results (of the organization, or of any when ``None``);
    returns the results refused because the worker does not hold their lease.

    With ``providers``, events of other providers count as not held, whatever their lease owner.

    The batch's events, resources and whether anything depends on them are read with one
    query each. Secret values an event carried are sealed again where its result repeats them;
    a failure's traceback is kept without them, and without what ``redact`` removes.
    """
    event_ids = [result.event_id for result in results]
    # Resource first, then event: the order every transaction locks them in.
    found = await events.get_events(connection, organization_id, event_ids, lock=False)
    rows = await store.get_resources_by_pks(connection, [event["resource_pk"] for event in found.values()])
    held = await events.lock_read_events(connection, organization_id, found)
    linked = await links.linked_targets(
        connection, organization_id, [row["id"] for row in rows.values()], links.DEPENDENCY
    )
    rejections = []
    for result in results:
        # A result repeated in the batch finds its event taken by the first one.
        event = held.pop(result.event_id, None)
        if event is None or not _holds(event, result, owner, providers):
            rejections.append(Rejection(result.event_id, _NOT_HELD))
            continue
        row = rows[event["resource_pk"]]
        with _complete_span(event, row, result):
            outputs, error = result.outputs or {}, result.error or "unknown error"
            plaintexts: Collection[str] = ()
            if contains_sealed(event["payload"]):
                plaintexts = sealer.plaintexts(event["payload"])
                outputs, error = sealer.conceal(outputs, plaintexts), scrub(error, plaintexts)
            if result.success:
                has_dependents = row["id"] in linked
                await _succeed(
                    connection, event, row, outputs, now, sealer, touched, has_dependents=has_dependents
                )
                outcome = "success"
            else:
                failure = Failure(
                    error, failure_traceback(result, plaintexts, redact), bool(result.permanent)
                )
                decision = decide(event, row, failure, now=now, policy=policy)
                await settle([decision], connection, touched=touched)
                outcome = "retry" if isinstance(decision, Retry) else "failure"
        outcomes_of(connection).append(
            Outcome(event["id"], event["provider"], row["resource"], event["event_type"] or "", outcome)
        )
    return rejections


def _complete_span(event: EventRow, row: ResourceRow, result: LifecycleResult) -> AbstractContextManager[Any]:
    """The ``complete`` span of taking ``result``, a child of the apply that caused the event;
    none for an event no traced apply caused."""
    if event["traceparent"] is None:
        return nullcontext()
    attributes = {
        "pragma.event_id": event["id"],
        "pragma.provider": row["provider"],
        "pragma.resource": row["resource"],
        "pragma.resource_id": row["id"],
        "pragma.outcome": "success" if result.success else "failure",
    }
    return tracing.span("complete", parent=event["traceparent"], attributes=attributes)


def _holds(event: EventRow, result: LifecycleResult, owner: str, providers: Sequence[str] | None) -> bool:
    """Whether the worker ``owner`` holds the lease ``result`` answers (stale attempts do not)."""
    stale = result.attempt is not None and result.attempt != event["attempt"]
    foreign = providers is not None and event["provider"] not in providers
    return event["status"] == events.LEASED and event["lease_owner"] == owner and not stale and not foreign


async def settle(
    decisions: Sequence[Retry | DeadLetter],
    connection: AsyncConnection,
    *,
    touched: Touched,
) -> None:
    """Write failed attempts' decisions: retries first, then dead letters, one statement per table."""
    retries = [item for item in decisions if isinstance(item, Retry)]
    failures = [item for item in decisions if isinstance(item, DeadLetter)]
    await transitions.retry_later(connection, retries, touched=touched)
    await transitions.fail(connection, failures, touched=touched)


async def _succeed(
    connection: AsyncConnection,
    event: EventRow,
    row: ResourceRow,
    outputs: dict[str, Any],
    now: datetime,
    sealer: Sealer,
    touched: Touched,
    *,
    has_dependents: bool,
) -> None:
    if event["event_type"] == EventType.DELETE:
        await transitions.remove_provided(connection, event, row, touched=touched)
        return
    payload = event["payload"] or {}
    changes: Changes = {
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
    follow_up = row["deleting"] or row["generation"] != event["generation"]
    if not follow_up:
        follow_up = await inputs_changed(connection, with_changes(row, changes), sealer)
    settled = await transitions.succeed(
        connection, event, row, changes, follow_up=follow_up, now=now, touched=touched
    )
    if has_dependents:
        # The dependents' updates come from the request whose change just finished.
        await propagate(
            connection,
            settled,
            now=now,
            sealer=sealer,
            touched=touched,
            request_id=event["request_id"],
            traceparent=event["traceparent"],
        )
