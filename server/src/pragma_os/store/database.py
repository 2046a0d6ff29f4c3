"""The database handle: engine, write transactions and read connections."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store import feed, notifications
from pragma_os.store.dialect import create_engine, is_retryable_conflict, is_sqlite

T = TypeVar("T")

Settle = Callable[[bool], None]
"""Told, after the transaction ended, whether it committed."""
AfterCommit = Callable[[dict[str, Any]], None]
"""Told a committed write transaction's ``notes`` (metrics observe its transitions there)."""
BeforeCommit = Callable[[AsyncConnection, Collection[tuple[str, str]]], Awaitable[Settle | None]]
"""Runs last in a write transaction that gave providers work (its ``wakes``)."""
Recorder = Callable[[AsyncConnection], Awaitable[None]]
"""Runs at the end of every write transaction, before the change feed is written."""

_NOTES = "pragma_os.notes"


def notes(connection: AsyncConnection) -> dict[str, Any]:
    """What the code running in a write transaction keeps about it until it ends (for example
    the engine's record of the transitions it made)."""
    kept: dict[str, Any] = connection.info.setdefault(_NOTES, {})
    return kept


class CommitSignal:
    """Fires after every committed write transaction that moved the change feed, for its
    watchers (and, on PostgreSQL, when another replica announces that it moved the feed); a
    commit that wrote no change (an empty claim, a presence renewal) wakes nobody."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake everyone waiting."""
        self._event.set()
        self._event = asyncio.Event()

    def next_commit(self) -> asyncio.Event:
        """The event the next commit sets: taken before a read, then waited on, it cannot miss
        a commit made between the two."""
        return self._event


class Database:
    """One per server. Services open transactions here; store functions receive the connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        # SQLite has one writer at a time; queueing writers here is cheaper than letting
        # them collide on the file lock and back off.
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if is_sqlite(url) else None
        self.commits = CommitSignal()
        self.shared = not is_sqlite(url)
        """Whether other replicas may use the database too (PostgreSQL): commits are announced."""
        self.sender = secrets.token_hex(6)
        """This process's mark on its notifications, so that it can skip its own."""
        self._writer: AsyncConnection | None = None
        self.before_commit: BeforeCommit | None = None
        """Set by the app to the engine's hand-off: leases the work a transaction created to
        workers waiting here (``engine/handoff.py``)."""
        self.after_commit: AfterCommit | None = None
        """Set by the app to the metrics' observer of committed transactions
        (``services/engine_metrics.py``); it must be quick and must not raise."""
        self.record: Recorder | None = None
        """Set by the app to the writer of the transaction's history (``engine/history.py``):
        it runs after ``before_commit``, whose leases are transitions too."""

    @asynccontextmanager
    async def transaction(self, *, wakes: Collection[tuple[str, str]] = ()) -> AsyncIterator[AsyncConnection]:
        """A write transaction: committed when the block ends, rolled back on error.

        On PostgreSQL the commit is announced to the other replicas (``store/notifications.py``):
        the (organization, provider) pairs in ``wakes``, read when the block ends (a
        ``Touched`` set filled by the block), whatever the block announced itself, and
        whether it moved the change feed. When ``wakes`` is not empty, ``before_commit`` runs
        last in the transaction and is told afterwards whether it committed.
        """
        guard: AbstractAsyncContextManager[object] = self._write_lock or nullcontext()
        settle: Settle | None = None
        try:
            async with guard, self._writing() as connection:
                feed.begin(connection)
                kept: dict[str, Any] = {}
                connection.info[_NOTES] = kept
                notifications.begin(connection)
                yield connection
                if wakes and self.before_commit is not None:
                    settle = await self.before_commit(connection, wakes)
                if self.record is not None:
                    await self.record(connection)
                announce = self._announcement(connection, wakes) if self.shared else []
                moved = feed.pending(connection)
                await feed.write(connection, in_commit_order=self._write_lock is None, announce=announce)
        except BaseException:
            if settle is not None:
                settle(False)
            raise
        if settle is not None:
            settle(True)
        if self.after_commit is not None:
            self.after_commit(kept)
        if moved and settle is not None:
            # The handed-off lease resumes its poll through one more loop turn than a watch
            # needs: the watchers are woken a turn later, so that the worker, who has work to
            # do, hears first and the watchers read while it works.
            asyncio.get_running_loop().call_soon(self.commits.fire)
        elif moved:
            self.commits.fire()

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction's connection. SQLite's write transactions take turns, so they
        share one connection kept open: checking one out of the pool and returning it cost
        more than an idle apply's statements. PostgreSQL's come from the pool."""
        if self._write_lock is None:
            async with self.engine.begin() as connection:
                yield connection
            return
        if self._writer is None or self._writer.closed or self._writer.invalidated:
            self._writer = await self.engine.connect()
        async with self._writer.begin():
            yield self._writer

    def _announcement(self, connection: AsyncConnection, wakes: Collection[tuple[str, str]]) -> list[str]:
        announcement = notifications.take(connection)
        announcement.work.update(wakes)
        announcement.changes = feed.pending(connection)
        return notifications.encode(self.sender, announcement) if announcement else []

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads."""
        if self._write_lock is None:
            async with self.engine.connect() as connection:
                yield connection
            return
        # SQLAlchemy's ``async with`` closes a connection in a task of its own, shielded from
        # cancellation: two loop turns more, in which a watcher woken by a commit falls behind
        # whatever requests came in. SQLite's close does no I/O (``sqlite_inline``) that a
        # cancellation could interrupt, so it is awaited in place.
        connection = await self.engine.connect()
        try:
            yield connection
        finally:
            await connection.close()

    async def retrying(
        self,
        work: Callable[[AsyncConnection], Awaitable[T]],
        attempts: int = 4,
        *,
        wakes: Collection[tuple[str, str]] = (),
    ) -> T:
        """Run ``work`` in a write transaction, again when PostgreSQL aborted it as a deadlock
        victim or a serialization failure (concurrent replicas can cross that way); ``wakes``
        as for ``transaction``."""
        for attempt in range(attempts):
            try:
                async with self.transaction(wakes=wakes) as connection:
                    return await work(connection)
            except DBAPIError as error:
                if attempt == attempts - 1 or not is_retryable_conflict(error):
                    raise
                await asyncio.sleep(0.01 * 2**attempt)
        raise AssertionError("unreachable")

    async def ping(self) -> None:
        """Raise when the database does not answer."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
        """Release every connection."""
        if self._writer is not None:
            await self._writer.close()
            self._writer = None
        await self.engine.dispose()
