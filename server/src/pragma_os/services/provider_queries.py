"""Questions for a provider about one resource (its health, its logs), relayed to its workers
on whichever replica they poll.

The replica that gets the question checks that some worker of the provider polls any replica
(``WorkerPresence``: else 503 at once), parks the query in the ``provider_queries`` table and
waits. The insert is announced with its commit; each replica that hears it wakes its long
polls of that provider, and the first poll to claim the query hands it to its worker in the
lease response. The worker runs the resource's ``health()`` or ``logs()`` and posts the
answer to the replica it polls: when the asker waits there, it gets the answer in memory;
otherwise the answer is stored on the query's row and announced, and the asking replica,
hearing it, reads it from there. On SQLite everything happens in the one process.

A long poll looks for queries only when told some may wait (``_hinted``): by a query of
this process, by an announcement, or by a reconnected listener (announcements may have been
lost); and otherwise every ``RECHECK_SECONDS``, as a safety net. So a poll costs no query of
this table while nobody asks anything.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pragma_os.auth import Principal
from pragma_os.engine.wakeups import Key, Wakeups
from pragma_os.errors import NotFoundError, ProviderUnavailableError
from pragma_os.ids import new_id
from pragma_os.services.presence import WorkerPresence
from pragma_os.store import Database
from pragma_os.store import provider_queries as store
from pragma_os.store.types import utcnow

# Looked at this often even without a sign (lost announcements, a listener reconnecting).
RECHECK_SECONDS = 5.0


@dataclass
class _Asker:
    """A request waiting in this process for the answer to its query."""

    organization_id: str
    provider: str
    answer: asyncio.Future[Any] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    # Set when the answer may be on the query's row (another replica stored it).
    stored: asyncio.Event = field(default_factory=asyncio.Event)


class QueryBroker:
    """Parks queries until a worker of their provider takes them, and hands answers back.

    A query no worker answers within ``answer_seconds`` is a ``ProviderUnavailableError``.
    """

    def __init__(
        self, database: Database, wakeups: Wakeups, presence: WorkerPresence, answer_seconds: float
    ) -> None:
        self._database = database
        self._answer_seconds = answer_seconds
        self._wakeups = wakeups
        self._presence = presence
        self._askers: dict[str, _Asker] = {}
        self._hinted: set[Key] = set()
        self._looked_at: dict[Key, float] = {}

    async def ask(
        self,
        principal: Principal,
        document: dict[str, Any],
        kind: str,
        *,
        since: datetime | None = None,
        tail: int = 100,
    ) -> Any:
        """Ask the resource's provider and wait for the answer.

        Raises:
            ProviderUnavailableError: No worker of the provider polls any replica, none
                answered in time, or the handler failed.
        """
        organization_id, provider = principal.organization_id, document["provider"]
        if not await self._presence.any_polling(organization_id, provider):
            raise ProviderUnavailableError(
                f"No worker of provider '{provider}' answered: none is polling any replica of the "
                "server; is the provider deployed and running?"
            )
        query = {
            "query_id": new_id("qry"),
            "kind": kind,
            "provider": provider,
            "resource": document["resource"],
            "document": document,
            "since": since.isoformat() if since else None,
            "tail": tail,
        }
        asker = self._askers[query["query_id"]] = _Asker(organization_id, provider)
        try:
            now = utcnow()
            async with self._database.transaction() as connection:
                await store.insert_query(
                    connection,
                    {
                        "query_id": query["query_id"],
                        "organization_id": organization_id,
                        "provider": provider,
                        "body": query,
                        "expires_at": now + timedelta(seconds=self._answer_seconds),
                    },
                )
            self.heard_queries([(organization_id, provider)])
            return await self._answer_of(query["query_id"], asker)
        finally:
            self._askers.pop(query["query_id"], None)

    async def _answer_of(self, query_id: str, asker: _Asker) -> Any:
        deadline = time.monotonic() + self._answer_seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProviderUnavailableError(
                    f"No worker of provider '{asker.provider}' answered within {self._answer_seconds:g} s; "
                    "is the provider deployed and running?"
                )
            stored = asyncio.ensure_future(asker.stored.wait())
            try:
                await asyncio.wait(
                    [asker.answer, stored],
                    timeout=min(remaining, RECHECK_SECONDS),
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                stored.cancel()
            if asker.answer.done():
                return asker.answer.result()
            asker.stored.clear()  # before reading: an answer stored from now on sets it again
            async with self._database.reading() as connection:
                row = await store.get_query(connection, asker.organization_id, query_id)
            if row is not None and row["answered_at"] is not None:
                return _result(row["answer"], row["error"])

    async def take(self, organization_id: str, providers: list[str], worker_id: str) -> list[dict[str, Any]]:
        """The waiting queries of these providers, handed to one worker (none when there is no
        sign of any and the last look was less than ``RECHECK_SECONDS`` ago)."""
        now = time.monotonic()
        due = [
            provider
            for provider in providers
            if (key := (organization_id, provider)) in self._hinted
            or now - self._looked_at.get(key, float("-inf")) >= RECHECK_SECONDS
        ]
        if not due:
            return []
        for provider in due:
            # Before claiming: a query announced from now on is looked for again next time.
            self._hinted.discard((organization_id, provider))
            self._looked_at[(organization_id, provider)] = now
        async with self._database.transaction() as connection:
            return await store.claim_queries(connection, organization_id, due, worker_id, utcnow())

    def heard_queries(self, keys: set[Key] | list[Key]) -> None:
        """Queries of these providers wait (asked here or on another replica): wake their polls."""
        self._hinted.update(keys)
        self._wakeups.notify(keys)

    def heard_answers(self, query_ids: set[str]) -> None:
        """Another replica stored answers to these queries: their askers here read them."""
        for query_id in query_ids:
            asker = self._askers.get(query_id)
            if asker is not None:
                asker.stored.set()

    def look_again(self) -> None:
        """Announcements may have been lost: every poll looks for queries, every asker for its answer."""
        self._looked_at.clear()
        for asker in self._askers.values():
            asker.stored.set()

    async def answer(self, principal: Principal, query_id: str, result: Any, error: str | None) -> None:
        """Hand a worker's answer to the asker; only a worker of the query's provider may.

        The asker waits in this process, or on another replica: then the answer is stored
        and announced for that replica to read.

        Raises:
            NotFoundError: No such query waits for an answer (or not one this caller may answer).
        """
        asker = self._askers.get(query_id)
        if asker is not None and asker.organization_id == principal.organization_id:
            if not principal.may_serve(asker.provider):
                raise _not_waiting(query_id)
            if not asker.answer.done():
                if error is not None:
                    asker.answer.set_exception(_failure(error))
                else:
                    asker.answer.set_result(result)
            return
        now = utcnow()
        async with self._database.transaction() as connection:
            row = await store.get_query(connection, principal.organization_id, query_id)
            if row is None or row["expires_at"] <= now or not principal.may_serve(row["provider"]):
                raise _not_waiting(query_id)
            await store.answer_query(connection, query_id, result, error, now)

    async def prune(self, retention_seconds: float) -> None:
        """Forget queries whose answer window closed more than ``retention_seconds`` ago."""
        async with self._database.transaction() as connection:
            await store.prune_queries(connection, utcnow() - timedelta(seconds=retention_seconds))


def _failure(error: str) -> ProviderUnavailableError:
    return ProviderUnavailableError(f"The provider could not answer: {error}")


def _result(answer: Any, error: str | None) -> Any:
    if error is not None:
        raise _failure(error)
    return answer


def _not_waiting(query_id: str) -> NotFoundError:
    return NotFoundError(f"Query '{query_id}' is not waiting for an answer.", query_id=query_id)
