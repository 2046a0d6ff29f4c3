"""What a failed attempt leads to: another attempt after a backoff (``Retry``), or a dead
letter (``DeadLetter``), which ``engine/transitions.py`` writes.

Deciding is pure, so the rescuer decides per event and writes per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pragma_os.engine.retry import RetryPolicy, retry_status
from pragma_os.engine.rules import Cause
from pragma_os.secrets.redaction import Redactor
from pragma_os.store.types import Changes, EventRow, ResourceRow, Row
from pragma_sdk.models import EventType
from pragma_sdk.provider import LifecycleResult, cap_traceback

Redact = Callable[[str], str]


@dataclass(frozen=True)
class Retry:
    """A failed attempt to try again: the event due at ``due`` as delivery ``attempt`` (0: a
    fresh start), the resource taking ``changes`` (error, retry status)."""

    event: EventRow
    row: ResourceRow
    due: datetime
    attempt: int
    error: str
    changes: Changes
    cause: Cause = Cause.RETRYABLE_FAILURE


@dataclass(frozen=True)
class DeadLetter:
    """An event that failed for good: its dead letter, and the resource's ``changes``."""

    event: EventRow
    row: ResourceRow
    cause: Cause
    letter: Row
    changes: Changes


@dataclass(frozen=True)
class Failure:
    """How an attempt failed: the error, the handler's traceback when it sent one, whether for good."""

    error: str
    traceback: str | None = None
    permanent: bool = False


def decide(
    event: EventRow, row: ResourceRow, failure: Failure, *, now: datetime, policy: RetryPolicy
) -> Retry | DeadLetter:
    """Retry after a backoff (at once, with fresh attempts, when the resource changed
    meanwhile), or give up when the error is permanent or the attempts are used up.

    A delete asked for while a create or update ran supersedes it: however that attempt
    failed, the next event is the ``DELETE`` (a provisioned resource would otherwise stay
    ``failed`` and ``deleting`` with nothing queued).
    """
    changed_since = row["generation"] != event["generation"] or (
        row["deleting"] and row["provisioned"] and event["event_type"] != EventType.DELETE
    )
    if changed_since or (not failure.permanent and not policy.exhausted(event["attempt"])):
        delay = 0.0 if changed_since else policy.delay(event["attempt"])
        due = now + timedelta(seconds=delay)
        changes = {
            "error": failure.error,
            "error_traceback": failure.traceback,
            # A change made meanwhile starts its attempts afresh: no retry to show.
            "retry": None if changed_since else retry_status(event["attempt"] + 1, policy, due),
            "pending_event_id": None,
            "updated_at": now,
        }
        attempt = 0 if changed_since else event["attempt"]
        return Retry(event, row, due, attempt, failure.error, changes)
    payload = event["payload"] or {}
    letter = dead_letter(event, row, payload, failure.error, failure.traceback, now)
    changes = {
        "error": failure.error,
        "error_traceback": failure.traceback,
        "retry": None,
        "pending_event_id": None,
        "updated_at": now,
    }
    return DeadLetter(event, row, Cause.FAILURE, letter, changes)


def failure_traceback(
    result: LifecycleResult, plaintexts: Collection[str], redact: Redact | None
) -> str | None:
    """A result's traceback as kept: capped, and without the secret values the event carried
    (``plaintexts``) or the organization holds (``redact``)."""
    text = result.traceback
    if not isinstance(text, str) or not text:
        return None
    text = cap_traceback(text)
    if plaintexts:
        text = Redactor(plaintexts).redact(text)
    return redact(text) if redact is not None else text


def dead_letter(
    event: EventRow,
    row: ResourceRow,
    payload: dict[str, Any],
    error: str,
    traceback: str | None,
    now: datetime,
) -> Row:
    """The dead letter of ``event``, failed for good with ``error``."""
    return {
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
    }
