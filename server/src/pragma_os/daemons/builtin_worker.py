"""The built-in ``pragma`` provider, run inside the server through the engine like any worker.

Its events are leased, retried and dead-lettered as every provider's are; only the transport
differs: it leases for every organization at once, in process, with no HTTP in between.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pragma_os.builtin.context import BuiltinServices, use_organization, use_services
from pragma_os.builtin.resources import pragma
from pragma_os.engine.wakeups import ANY_ORGANIZATION, Signal
from pragma_os.services.workers import RECHECK_SECONDS, Dispatcher, complete_results
from pragma_os.store import Database, resource_types
from pragma_os.store.types import utcnow
from pragma_os.tasks import cancel_and_wait
from pragma_sdk.provider import LifecycleEvent, LifecycleResult, handle_event

logger = logging.getLogger("pragma_os.builtin")

WORKER_ID = "pragma-os:builtin"
_BATCH = 100
_IDLE_SECONDS = RECHECK_SECONDS
_ERROR_PAUSE_SECONDS = 1.0


async def register_builtin_types(database: Database) -> None:
    """Publish the built-in types (for every organization) as this server version defines them."""
    async with database.transaction() as connection:
        await resource_types.replace_resource_types(
            connection, None, pragma.name, pragma.resource_types(), utcnow()
        )


class BuiltinWorker:
    """Leases the ``pragma`` provider's events of every organization and runs their handlers."""

    def __init__(self, dispatcher: Dispatcher, services: BuiltinServices) -> None:
        self._dispatcher = dispatcher
        self._services = services
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start serving in the background."""
        self._task = asyncio.create_task(self._serve())

    async def stop(self) -> None:
        """Stop; events it held are redelivered when their lease runs out."""
        if self._task is not None:
            await cancel_and_wait(self._task)

    async def _serve(self) -> None:
        use_services(self._services)
        while True:
            try:
                # Taken before leasing, so that work committed meanwhile wakes the wait.
                signals = self._dispatcher.wakeups.signals([(ANY_ORGANIZATION, pragma.name)])
                leased = await self._lease()
                if leased:
                    results = await asyncio.gather(*(self._handle(payload) for payload in leased))
                    await complete_results(self._dispatcher, None, WORKER_ID, results)
                else:
                    await self._wait_for_work(signals)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("The built-in pragma provider failed a round; trying again")
                await asyncio.sleep(_ERROR_PAUSE_SECONDS)

    async def _lease(self) -> list[dict[str, Any]]:
        leased, touched = await self._dispatcher.claim(None, [pragma.name], WORKER_ID, _BATCH)
        self._dispatcher.wakeups.notify(touched)
        return leased

    async def _wait_for_work(self, signals: list[Signal]) -> None:
        due = await self._dispatcher.next_due(None, [pragma.name])
        await self._dispatcher.sleep_until_due(signals, due, _IDLE_SECONDS)

    async def _handle(self, payload: dict[str, Any]) -> LifecycleResult:
        async def run() -> LifecycleResult:
            use_organization(payload["organization_id"])
            return await handle_event(pragma, LifecycleEvent.model_validate(payload))

        # A task of its own: the organization is set in the task's own context.
        return await asyncio.create_task(run())
