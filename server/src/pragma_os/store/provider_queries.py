"""Queries on provider queries: questions for a provider's workers, on whichever replica they poll.

Inserting a query and answering one announce it to the other replicas with the commit
(``notifications.announce``), as the change feed is written with the change it records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store import notifications
from pragma_os.store.tables import provider_queries
from pragma_os.store.types import Row, first_row


async def insert_query(connection: AsyncConnection, row: Row) -> None:
    """Park a query (``query_id``, ``organization_id``, ``provider``, ``body``, ``expires_at``)."""
    await connection.execute(insert(provider_queries).values(**row))
    notifications.announce(connection, queries=[(row["organization_id"], row["provider"])])


async def claim_queries(
    connection: AsyncConnection,
    organization_id: str,
    providers: Sequence[str],
    worker_id: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """Hand the waiting queries of these providers to ``worker_id``, in one statement; returns
    their bodies. Each goes to one worker: ``SKIP LOCKED`` on PostgreSQL, one writer on SQLite."""
    waiting = (
        select(provider_queries.c.query_id)
        .where(
            provider_queries.c.organization_id == organization_id,
            provider_queries.c.provider.in_(providers),
            provider_queries.c.expires_at > now,
            provider_queries.c.taken_by.is_(None),
        )
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(provider_queries)
        .where(provider_queries.c.query_id.in_(waiting.scalar_subquery()))
        .values(taken_by=worker_id)
        .returning(provider_queries.c.body)
    )
    return [dict(body) for body in (await connection.execute(statement)).scalars()]


async def get_query(connection: AsyncConnection, organization_id: str, query_id: str) -> Row | None:
    """A query of the organization, with its answer when it has one."""
    query = select(provider_queries).where(
        provider_queries.c.query_id == query_id, provider_queries.c.organization_id == organization_id
    )
    return await first_row(connection, query)


async def answer_query(
    connection: AsyncConnection, query_id: str, answer: Any, error: str | None, now: datetime
) -> bool:
    """Store the first answer to a query; returns whether this one was the first."""
    statement = (
        update(provider_queries)
        .where(provider_queries.c.query_id == query_id, provider_queries.c.answered_at.is_(None))
        .values(answered_at=now, answer=answer, error=error)
    )
    if not (await connection.execute(statement)).rowcount:
        return False
    notifications.announce(connection, answers=[query_id])
    return True


async def prune_queries(connection: AsyncConnection, before: datetime) -> int:
    """Forget queries whose answer window closed before ``before``; returns how many."""
    result = await connection.execute(delete(provider_queries).where(provider_queries.c.expires_at < before))
    return int(result.rowcount or 0)
