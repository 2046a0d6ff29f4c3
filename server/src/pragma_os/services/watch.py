"""The watch stream: resource changes as server-sent events, resumable with ``Last-Event-ID``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import orjson

from pragma_os.auth import Principal
from pragma_os.engine.documents import to_document
from pragma_os.services.worker_notices import WorkerNotices
from pragma_os.store import Database
from pragma_os.store import resources as store
from pragma_os.store.dialect import is_sqlite
from pragma_os.store.types import utcnow

KEEPALIVE_SECONDS = 15.0
# Changes read from the feed at a time.
_PAGE = 1000
MAX_EVENT_ID = 2**63 - 1
"""The largest event id a client may resume from (a 64-bit signed integer, as the feed's positions)."""
# Other replicas' commits fire this process's signal when their announcement arrives; look
# at the feed this often anyway, a safety net for announcements lost while the listener
# was reconnecting (it fires the signal once it listens again).
_SHARED_DATABASE_RECHECK_SECONDS = 5.0


def recheck_seconds(database: Database) -> float:
    """How long a wait on the change feed trusts the commit signal before looking again.

    On SQLite every write is this process's, so the signal is enough and the wait is only
    bounded; on a shared database other replicas' commits fire it through their
    announcements (``daemons/replica_relay.py``), and this bounds one that was lost.
    """
    return KEEPALIVE_SECONDS if is_sqlite(database.url) else _SHARED_DATABASE_RECHECK_SECONDS


def _message(seq: int, kind: str, data: dict[str, Any]) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (seq, kind.encode(), orjson.dumps(data))


async def watch(
    database: Database,
    principal: Principal,
    *,
    provider: str | None,
    resource: str | None,
    name: str | None,
    last_event_id: int | None,
    snapshot: bool,
    notices: WorkerNotices | None = None,
) -> AsyncIterator[bytes]:
    """Yield SSE messages: ``resource`` (the current document) and ``deleted`` events.

    Without ``last_event_id`` the stream starts with the current state of matching resources
    (when ``snapshot``) and continues with every later change; with it, it resumes after that
    event. Each message's ``id`` is the position to resume from. With ``notices``, documents
    of resources waiting for a worker that has not connected say so (``message``). An id beyond the newest
    change was never handed out by this feed (it comes from another database, say): the
    stream starts over as without one, rather than wait for the feed to reach it.
    """
    organization_id = principal.organization_id
    async with database.reading() as connection:
        newest = await store.last_change(connection)
        resume_from = last_event_id if last_event_id is not None and last_event_id <= newest else None
        rows = []
        if snapshot and resume_from is None:
            rows = await store.list_resources(
                connection, organization_id, provider=provider, resource=resource, name=name
            )
    documents = [to_document(row) for row in rows]
    if notices is not None:
        await notices.annotate(organization_id, documents)
    for document in documents:
        yield _message(newest, "resource", document)
    cursor = newest if resume_from is None else resume_from
    yield b": watching\n\n"
    recheck = recheck_seconds(database)
    quiet_since = time.monotonic()
    while True:
        # Taken before reading, so that a commit made while we read wakes the wait below.
        next_commit = database.commits.next_commit()
        read_from = cursor
        async with database.reading() as connection:
            changes = await store.changes_since(
                connection,
                organization_id,
                cursor,
                provider=provider,
                resource=resource,
                name=name,
                limit=_PAGE,
            )
        current = {seq: to_document(row) for seq, _id, _deleted, row in changes if row is not None}
        if notices is not None:
            await notices.annotate(organization_id, current.values())
        for seq, resource_id, _deleted, _row in changes:
            cursor = seq
            if seq in current:
                yield _message(seq, "resource", current[seq])
            else:
                yield _message(seq, "deleted", {"id": resource_id})
        if changes:
            quiet_since = time.monotonic()
            # Positions are unique: a page that spans fewer than _PAGE of them held every change
            # committed before the read, and the wait below sees any committed since. Read again
            # at once only when the page may have been cut short.
            if cursor - read_from >= _PAGE:
                continue
        quiet = time.monotonic() - quiet_since
        if quiet >= KEEPALIVE_SECONDS - 0.05:  # a timer may fire a hair early
            quiet_since, quiet = time.monotonic(), 0.0
            yield b": keepalive\n\n"
        # A timeout scope rather than wait_for, which would wait in a task of its own: the
        # watch then runs in the loop turn after the commit, not two or three turns later.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(recheck, KEEPALIVE_SECONDS - quiet)):
                await next_commit.wait()


async def prune_change_feed(database: Database, retention_seconds: float) -> None:
    """Forget changes older than the retention; a watcher resuming from before starts over."""
    async with database.transaction() as connection:
        await store.prune_changes(connection, utcnow() - timedelta(seconds=retention_seconds))
