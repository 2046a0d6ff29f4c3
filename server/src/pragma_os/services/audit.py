"""The organization's audit: who applied, deleted, revealed, pushed, deployed, rolled back
and retried, recorded in the transaction of the change itself (a change that rolls back
leaves no entry), read newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.auth import Principal
from pragma_os.errors import InvalidInputError
from pragma_os.services.paging import page_of
from pragma_os.store import Database
from pragma_os.store import audit as store
from pragma_os.store.types import Row, utcnow
from pragma_sdk.models import AuditAction

_MAX_ID = 2**63 - 1  # a 64-bit signed integer, as the ids are
CURSOR_RULE = "must be a value from an X-Next-Cursor header (the id of the last entry of a page)"


def entry(principal: Principal, action: AuditAction, target: str, **detail: Any) -> Row:
    """The audit row of ``principal`` doing ``action`` to ``target`` now; ``detail`` must hold
    no config or secret value."""
    return {
        "organization_id": principal.organization_id,
        "at": utcnow(),
        "action": action.value,
        "target": target,
        "user": principal.email or principal.user_id,
        "token_name": principal.token_name,
        "detail": detail,
    }


async def record(
    connection: AsyncConnection, principal: Principal, action: AuditAction, target: str, **detail: Any
) -> None:
    """Record one action in the caller's transaction."""
    await store.insert_audit_events(connection, [entry(principal, action, target, **detail)])


async def record_entries(connection: AsyncConnection, entries: Sequence[Row]) -> None:
    """Record ``entries`` (made by ``entry``) in the caller's transaction, in one statement."""
    await store.insert_audit_events(connection, entries)


@dataclass(frozen=True)
class AuditPage:
    """A page of audit entries, newest first, and the cursor of the next page, if any."""

    entries: list[Row]
    next_cursor: str | None


async def list_audit(
    database: Database, principal: Principal, *, cursor: str | None, limit: int, action: AuditAction | None
) -> AuditPage:
    """The organization's audit, newest first, a page of ``limit`` after ``cursor``.

    Raises:
        InvalidInputError: ``cursor`` is not one this API handed out.
    """
    before = _decode_cursor(cursor) if cursor is not None else None
    async with database.reading() as connection:
        rows = await store.list_audit_events(
            connection,
            principal.organization_id,
            before=before,
            limit=limit + 1,
            action=action.value if action is not None else None,
        )
    entries, next_cursor = page_of(rows, limit, lambda row: str(row["id"]))
    return AuditPage([_to_response(row) for row in entries], next_cursor)


async def prune_audit(database: Database, retention_days: float) -> None:
    """Forget entries older than the retention."""
    async with database.transaction() as connection:
        await store.prune_audit_events(connection, utcnow() - timedelta(days=retention_days))


def _decode_cursor(cursor: str) -> int:
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 19 and int(cursor) <= _MAX_ID):
        raise InvalidInputError("cursor", CURSOR_RULE)
    return int(cursor)


def _to_response(row: Row) -> Row:
    return {key: value for key, value in row.items() if key != "organization_id"}
