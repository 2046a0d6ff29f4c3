"""Reading a resource's history (``GET /resources/{id}/history``) in keyset pages, newest
first, and trimming it by age (the rescuer's pruning round)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pragma_os.auth import Principal
from pragma_os.errors import InvalidInputError, NotFoundError
from pragma_os.store import Database, resources
from pragma_os.store import history as store
from pragma_os.store.types import Row, utcnow

CURSOR_DIGITS = 18
"""A cursor is an entry id: a whole number of at most this many digits (ids stay far below)."""
CURSOR_PATTERN = f"^[0-9]{{1,{CURSOR_DIGITS}}}$"
CURSOR_RULE = (
    "must be a value from an X-Next-Cursor header of this history "
    f"(a whole number of 1 to {CURSOR_DIGITS} digits)"
)


@dataclass(frozen=True)
class HistoryPage:
    """A page of history entries, newest first, and the cursor of the next page, if any."""

    entries: list[dict[str, Any]]
    next_cursor: str | None


def decode_cursor(cursor: str) -> int:
    """The entry id a cursor points before; ``InvalidInputError`` naming ``cursor`` otherwise."""
    # isdigit() alone passes digits of other scripts; the length check spares converting junk.
    if cursor.isascii() and cursor.isdigit() and len(cursor) <= CURSOR_DIGITS:
        return int(cursor)
    raise InvalidInputError("cursor", CURSOR_RULE)


async def resource_history(
    database: Database, principal: Principal, resource_id: str, *, limit: int, cursor: str | None
) -> HistoryPage:
    """A resource's history, newest first, ``limit`` entries from ``cursor`` on.

    A deleted resource's history stays readable until retention trims it.

    Raises:
        InvalidInputError: ``cursor`` is not one this endpoint handed out.
        NotFoundError: The organization has no such resource, and no history of one.
    """
    before = decode_cursor(cursor) if cursor is not None else None
    async with database.reading() as connection:
        rows = await store.history_page(
            connection, principal.organization_id, resource_id, before=before, limit=limit + 1
        )
        # A page past the last entry is empty for a known resource too: ask whether it exists.
        known = bool(rows) or await store.has_history(connection, principal.organization_id, resource_id)
        if (
            not known
            and await resources.get_resource(connection, principal.organization_id, resource_id) is None
        ):
            raise NotFoundError(f"Resource '{resource_id}' not found.", resource_id=resource_id)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = str(rows[-1]["id"])
    return HistoryPage([to_entry(row) for row in rows], next_cursor)


def to_entry(row: Row) -> dict[str, Any]:
    """A history row as ``ResourceHistoryEntry`` reads it."""
    changes = row["changes"] or {}
    return {
        "id": row["id"],
        "resource_id": row["resource_id"],
        "at": row["at"],
        "cause": row["cause"],
        "actor": row["actor"],
        "caused_by": row["caused_by"],
        "from_state": row["from_state"],
        "to_state": row["to_state"],
        "generation": row["generation"],
        "event_id": row["event_id"],
        "attempt": row["attempt"],
        "duration_ms": row["duration_ms"],
        "error": row["error"],
        "error_traceback": row["error_traceback"],
        "config_changes": changes.get("config"),
        "outputs_changes": changes.get("outputs"),
    }


async def prune_history(database: Database, retention_days: float) -> None:
    """Forget history older than the retention."""
    async with database.transaction() as connection:
        await store.prune_history(connection, utcnow() - timedelta(days=retention_days))
