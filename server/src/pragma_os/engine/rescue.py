"""The rescuer: leases that ran out (a worker died or hung) count as failed attempts.

It reads the candidates once, decides for each (retry or dead letter) and writes the
decisions together, one statement per table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine.documents import path_of
from pragma_os.engine.failures import Failure, decide
from pragma_os.engine.results import settle
from pragma_os.engine.retry import RetryPolicy
from pragma_os.engine.wakeups import Touched
from pragma_os.store import events
from pragma_os.store import resources as store


async def rescue_expired(
    connection: AsyncConnection, *, now: datetime, policy: RetryPolicy, touched: Touched
) -> int:
    """Treat every lease that ran out as a failed attempt; returns how many."""
    candidates = await events.expired_leases(connection, now)
    # Resource first (skipping those busy elsewhere, the next round gets them), then the events.
    rows = await store.get_resources_by_pks(
        connection, [event["resource_pk"] for event in candidates], skip_locked=True
    )
    expired = await events.lock_expired(
        connection, [event["pk"] for event in candidates if event["resource_pk"] in rows], now
    )
    decisions = []
    for event in expired:
        row = rows[event["resource_pk"]]
        error = f"Lease expired: the worker stopped heartbeating while handling {path_of(row)}"
        decisions.append(decide(event, row, Failure(error), now=now, policy=policy))
    await settle(decisions, connection, touched=touched)
    return len(expired)
