"""Questions for a provider about one resource (its health, its logs), relayed to its workers.

The API parks a query and waits; the provider's next lease response carries it; the worker
runs the resource's ``health()`` or ``logs()`` and posts the answer. Queries live in this
process: with several replicas, a query waits for a worker polling the replica that got it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from pragma_os.auth import Principal
from pragma_os.engine.wakeups import Key, Wakeups
from pragma_os.errors import NotFoundError, ProviderUnavailableError
from pragma_os.ids import new_id


class QueryBroker:
    """Parks queries until a worker of their provider takes them, and hands answers back.

    A query no worker answers within ``answer_seconds`` is a ``ProviderUnavailableError``.
    """

    def __init__(self, wakeups: Wakeups, answer_seconds: float) -> None:
        self._wakeups = wakeups
        self._answer_seconds = answer_seconds
        self._pending: dict[Key, list[dict[str, Any]]] = {}
        # query id -> (organization id, provider, the asker's future)
        self._answers: dict[str, tuple[str, str, asyncio.Future[Any]]] = {}

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
            ProviderUnavailableError: No worker answered in time, or the handler failed.
        """
        key = (principal.organization_id, document["provider"])
        query = {
            "query_id": new_id("qry"),
            "kind": kind,
            "provider": document["provider"],
            "resource": document["resource"],
            "document": document,
            "since": since.isoformat() if since else None,
            "tail": tail,
        }
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._answers[query["query_id"]] = (principal.organization_id, document["provider"], future)
        self._pending.setdefault(key, []).append(query)
        self._wakeups.notify([key])
        try:
            return await asyncio.wait_for(future, self._answer_seconds)
        except TimeoutError:
            raise ProviderUnavailableError(
                f"No worker of provider '{document['provider']}' answered within {self._answer_seconds:g} s; "
                "is the provider deployed and running?"
            ) from None
        finally:
            self._answers.pop(query["query_id"], None)
            waiting = self._pending.get(key, [])
            if query in waiting:
                waiting.remove(query)

    def take(self, organization_id: str, providers: list[str]) -> list[dict[str, Any]]:
        """The parked queries of these providers, handed to one worker."""
        taken: list[dict[str, Any]] = []
        for provider in providers:
            taken.extend(self._pending.pop((organization_id, provider), []))
        return taken

    def has_queries(self, organization_id: str, providers: list[str]) -> bool:
        """Whether queries wait for these providers."""
        return any(self._pending.get((organization_id, provider)) for provider in providers)

    def answer(self, principal: Principal, query_id: str, result: Any, error: str | None) -> None:
        """Hand a worker's answer to the waiting request; only a worker of the query's provider may."""
        waiting = self._answers.get(query_id)
        if waiting is None or waiting[0] != principal.organization_id or not principal.may_serve(waiting[1]):
            raise NotFoundError(f"Query '{query_id}' is not waiting for an answer.", query_id=query_id)
        future = waiting[2]
        if future.done():
            return
        if error is not None:
            future.set_exception(ProviderUnavailableError(f"The provider could not answer: {error}"))
        else:
            future.set_result(result)
