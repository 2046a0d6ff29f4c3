"""The change feed's positions are handed out in commit order.

A watcher reads the feed by position (``seq > after``) and resumes from the last one it saw.
That is only sound if no change can become visible with a position below one already seen.
A sequence alone does not promise it on PostgreSQL: two transactions draw 9 and 10, the one
with 10 commits first, a reader moves past 10, and 9 becomes visible behind it, never read.

So the changes a transaction makes are queued on its connection and written last, just
before it commits, under a transaction-scoped advisory lock that the commit releases. The
next transaction takes its positions only once it holds the lock, after the previous one
committed (PostgreSQL makes a commit visible before it releases the transaction's locks), so
positions become visible in increasing order and a reader that saw N has seen everything
below N. Only the feed insert and the commit run under the lock; everything else of the
transactions runs side by side. SQLite runs write transactions one at a time already.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store import notifications
from pragma_os.store.direct import execute
from pragma_os.store.tables import resource_changes

_QUEUE = "pragma_os.feed"
# Any constant does; this one reads "prgmfeed".
_LOCK_KEY = 0x7072676D66656564
_INSERT = insert(resource_changes)
_LOCK_AND_NOTIFY = text(
    "SELECT pg_advisory_xact_lock(:key), "
    "(SELECT count(pg_notify(:channel, payload)) FROM unnest(CAST(:payloads AS text[])) AS payload)"
)


def begin(connection: AsyncConnection) -> None:
    """Start a transaction's queue of changes (a pooled connection may hold a failed one's)."""
    connection.info[_QUEUE] = []


def queue(connection: AsyncConnection, changes: Sequence[dict[str, Any]]) -> None:
    """Add changes to the feed when the transaction commits."""
    connection.info.setdefault(_QUEUE, []).extend(changes)


def pending(connection: AsyncConnection) -> bool:
    """Whether the transaction queued changes."""
    return bool(connection.info.get(_QUEUE))


async def write(connection: AsyncConnection, *, in_commit_order: bool, announce: Sequence[str] = ()) -> None:
    """Write the queued changes; ``in_commit_order`` takes the lock first (PostgreSQL).
    ``announce`` are the transaction's notification payloads (``notifications.encode``): they
    go out with the lock, in the same statement, which saves a round trip per transaction.

    Call it as the transaction's last statement before the commit.
    """
    changes: list[dict[str, Any]] = connection.info.pop(_QUEUE, [])
    if not (changes and in_commit_order):
        await notifications.send(connection, list(announce))
    else:
        await connection.execute(
            _LOCK_AND_NOTIFY, {"key": _LOCK_KEY, "channel": notifications.CHANNEL, "payloads": list(announce)}
        )
    if changes:
        await execute(connection, _INSERT, changes)
