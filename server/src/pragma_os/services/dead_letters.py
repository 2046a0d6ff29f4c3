"""Dead letters: list, inspect, retry and discard events that failed for good."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.auth import Principal
from pragma_os.engine import transitions
from pragma_os.engine.transition_log import act_as
from pragma_os.engine.wakeups import Touched, Wakeups
from pragma_os.errors import BadRequestError, NotFoundError
from pragma_os.secrets.sealing import redact
from pragma_os.services import audit
from pragma_os.store import Database, resources
from pragma_os.store import dead_letters as store
from pragma_os.store.types import utcnow
from pragma_sdk.log_format import current_request_id
from pragma_sdk.models import AuditAction


def to_response(row: dict[str, Any]) -> dict[str, Any]:
    """The wire form of a dead letter (reference fields plus ``resource_id``, ``error`` and the
    handler's ``error_traceback``); secret values in its payload redacted (and never kept in
    the traceback)."""
    return {
        "event_id": row["event_id"],
        "provider": row["provider"],
        "resource_type": row["resource_type"],
        "resource_name": row["resource_name"],
        "resource_id": row["resource_id"],
        "event_type": row["event_type"],
        "payload": redact(row["payload"]),
        "error_message": row["error_message"],
        "error": row["error_message"],
        "error_traceback": row["error_traceback"],
        "attempt_count": row["attempt_count"],
        "failed_at": row["failed_at"],
    }


async def list_dead_letters(
    database: Database, principal: Principal, provider: str | None
) -> list[dict[str, Any]]:
    """Dead letters of the caller's organization, newest first."""
    async with database.reading() as connection:
        rows = await store.list_dead_letters(connection, principal.organization_id, provider)
    return [to_response(row) for row in rows]


async def get_dead_letter(database: Database, principal: Principal, event_id: str) -> dict[str, Any]:
    """One dead letter, or ``NotFoundError``."""
    async with database.reading() as connection:
        row = await store.get_dead_letter(connection, principal.organization_id, event_id)
    if row is None:
        raise NotFoundError(f"Dead letter event '{event_id}' not found.", event_id=event_id)
    return to_response(row)


async def delete_dead_letter(database: Database, principal: Principal, event_id: str) -> None:
    """Discard one dead letter; discarding one that is gone is fine."""
    async with database.transaction() as connection:
        if await store.delete_dead_letters(connection, principal.organization_id, event_id=event_id):
            await audit.record(connection, principal, AuditAction.DEAD_LETTER_DISCARD, event_id)


async def delete_dead_letters(
    database: Database, principal: Principal, provider: str | None, everything: bool
) -> int:
    """Discard the dead letters of a provider, or all; returns how many."""
    if provider is None and not everything:
        raise BadRequestError(
            "Give provider=... or all=true to delete dead letters in bulk.", field="provider"
        )
    async with database.transaction() as connection:
        count = await store.delete_dead_letters(connection, principal.organization_id, provider=provider)
        if count:
            await audit.record(
                connection, principal, AuditAction.DEAD_LETTER_DISCARD, provider or "*", count=count
            )
    return count


async def retry_dead_letter(
    database: Database, wakeups: Wakeups, principal: Principal, event_id: str
) -> dict[str, Any]:
    """Queue a dead letter's resource again under the same event id; returns the queued event."""
    touched = Touched()
    now = utcnow()
    async with database.transaction(wakes=touched) as connection:
        letter = await store.get_dead_letter(connection, principal.organization_id, event_id)
        if letter is None:
            raise NotFoundError(f"Dead letter event '{event_id}' not found.", event_id=event_id)
        await _requeue(connection, principal, letter, now, touched)
        await audit.record(
            connection, principal, AuditAction.DEAD_LETTER_RETRY, event_id, resource_id=letter["resource_id"]
        )
    wakeups.notify(touched)
    return {
        "event_id": letter["event_id"],
        "provider": letter["provider"],
        "resource_type": letter["resource_type"],
        "resource_name": letter["resource_name"],
        "event_type": letter["event_type"],
        "payload": letter["payload"],
        "previous_config": letter["payload"].get("previous_config"),
        "correlation_id": letter["resource_id"],
        "status": "pending",
        "created_at": now,
        "published_at": None,
    }


async def retry_all_dead_letters(database: Database, wakeups: Wakeups, principal: Principal) -> int:
    """Queue every dead letter again; returns how many were retried."""
    touched = Touched()
    now = utcnow()
    async with database.transaction(wakes=touched) as connection:
        letters = await store.list_dead_letters(connection, principal.organization_id, None)
        for letter in letters:
            await _requeue(connection, principal, letter, now, touched)
        if letters:
            await audit.record(connection, principal, AuditAction.DEAD_LETTER_RETRY, "*", count=len(letters))
    wakeups.notify(touched)
    return len(letters)


async def _requeue(
    connection: AsyncConnection, principal: Principal, letter: dict[str, Any], now: datetime, touched: Touched
) -> None:
    act_as(connection, principal.actor, letter["resource_id"])
    await store.delete_dead_letters(connection, principal.organization_id, event_id=letter["event_id"])
    row = await resources.get_resource(
        connection, principal.organization_id, letter["resource_id"], for_update=True
    )
    if row is None:
        return  # the resource is gone; nothing to retry
    await transitions.retry_dead_letter(
        connection,
        row,
        letter["event_id"],
        now=now,
        touched=touched,
        request_id=current_request_id(),
    )
