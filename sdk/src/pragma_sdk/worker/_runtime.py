"""``Worker``: lease events, run handlers concurrently, heartbeat, report results, shut down cleanly.

The poll loop asks for work only when it has free slots; results are reported in batches;
heartbeats keep long handlers' leases; a lost lease cancels its handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import httpx

from pragma_sdk import tracing
from pragma_sdk.client import AsyncPragmaClient
from pragma_sdk.errors import PragmaAPIError
from pragma_sdk.log_format import log_fields
from pragma_sdk.models import ResponseStatus, resource_id
from pragma_sdk.provider import (
    CompleteRequest,
    CompleteResponse,
    HeartbeatRequest,
    LeasedEvent,
    LeaseRequest,
    LifecycleResult,
    NextLease,
    Provider,
    ProviderQuery,
    QueryAnswer,
    answer_query,
    event_log_fields,
    handle_event,
)
from pragma_sdk.worker._http_runtime import HttpRuntime

logger = logging.getLogger("pragma_sdk.worker")

_MAX_BACKOFF_SECONDS = 10.0
_COMPLETE_BATCH = 500
_HEARTBEAT_STEP_SECONDS = 0.2


class Worker:
    """Runs the handlers of ``providers`` for events leased through ``client``.

    Args:
        providers: The providers to serve (a package may define several).
        client: An authenticated client of the platform API.
        concurrency: Handlers running at once, at most.
        worker_id: How the server tells this worker's leases apart; default host and pid.
        wait_seconds: How long one lease request waits for work.
        handler_timeout: Seconds a handler may run before it is cancelled and fails (retryable).
        shutdown_grace: Seconds running handlers get to finish on shutdown before they are cancelled.
    """

    def __init__(
        self,
        providers: Sequence[Provider],
        client: AsyncPragmaClient,
        *,
        concurrency: int = 100,
        worker_id: str | None = None,
        wait_seconds: float = 20.0,
        handler_timeout: float = 300.0,
        shutdown_grace: float = 30.0,
    ) -> None:
        if not providers:
            raise ValueError("a worker needs at least one provider")
        self._providers = {provider.name: provider for provider in providers}
        self._client = client
        self._concurrency = concurrency
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}"
        self._runtime = HttpRuntime(client, self.worker_id)
        self._wait_seconds = wait_seconds
        self._handler_timeout = handler_timeout
        self._shutdown_grace = shutdown_grace
        self._running: dict[str, asyncio.Task[None]] = {}
        # Finished but not yet reported: their leases must stay alive until the server has them.
        self._unreported: set[str] = set()
        self._answering: set[asyncio.Task[None]] = set()
        self._results: asyncio.Queue[LifecycleResult] = asyncio.Queue()
        self._reporter_idle = False
        self._batch_taken = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._lease_seconds = 30.0
        self._stopping = False
        # Slots promised to the events an outstanding poll or report may bring back: the two
        # run side by side, and together they never ask for more than ``concurrency`` allows.
        self._polling_for = 0
        self._reporting_for = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set, then drain: finish (or cancel) handlers and report results."""
        poller = asyncio.create_task(self._poll(stop))
        reporter = asyncio.create_task(self._report())
        heartbeater = asyncio.create_task(self._heartbeat())
        await stop.wait()
        self._stopping = True
        logger.info("Stopping: no new leases; %d handler(s) running", len(self._running))
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
        if self._running:
            _done, pending = await asyncio.wait(list(self._running.values()), timeout=self._shutdown_grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        heartbeater.cancel()
        try:
            await asyncio.wait_for(self._results.join(), self._shutdown_grace)
        except TimeoutError:
            # The server is gone too; the leases run out and the events are delivered again.
            logger.warning(
                "Stopping without reporting %d result(s): the server did not take them", self._results.qsize()
            )
        reporter.cancel()
        await asyncio.gather(heartbeater, reporter, return_exceptions=True)

    async def _poll(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            free = self._concurrency - len(self._running) - self._reporting_for
            if free <= 0:
                self._slot_freed.clear()
                await self._slot_freed.wait()
                continue
            request = LeaseRequest(
                worker_id=self.worker_id,
                providers=sorted(self._providers),
                max_events=min(free, 1000),
                wait_seconds=self._wait_seconds,
            )
            self._polling_for = request.max_events
            try:
                response = await self._client.lease_events(request)
            except (httpx.TransportError, httpx.HTTPStatusError) as error:
                failures += 1
                delay = min(_MAX_BACKOFF_SECONDS, 0.25 * 2**failures)
                logger.warning("Leasing failed (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                continue
            finally:
                self._polling_for = 0
            if failures:
                logger.info("Connected to %s again", self._client.base_url)
            failures = 0
            self._lease_seconds = response.lease_seconds
            self._start(response.events)
            for query in response.queries:
                task = asyncio.create_task(self._answer(query))
                self._answering.add(task)
                task.add_done_callback(self._answering.discard)
            if response.events:
                await self._results_first()

    def _start(self, events: Sequence[LeasedEvent]) -> None:
        for event in events:
            self._unreported.add(event.event_id)
            self._running[event.event_id] = asyncio.create_task(self._handle(event))

    def _next_lease(self) -> NextLease | None:
        """What to lease with a report: the slots neither running handlers nor a poll hold."""
        free = self._concurrency - len(self._running) - self._polling_for
        if self._stopping or free <= 0:
            return None
        self._reporting_for = min(free, 1000)
        return NextLease(providers=sorted(self._providers), max_events=self._reporting_for)

    async def _results_first(self) -> None:
        """Let the results of handlers that finished at once go out before the next poll.

        The server takes requests in the order they arrive: a poll sent first is handled (and
        parked) before the result, which then waits behind it, and so does everything the
        result makes ready. A reporter busy with an earlier batch is not waited for.
        """
        await asyncio.sleep(0)  # the new handlers' first step: those that need no I/O finish
        if self._reporter_idle and not self._results.empty():
            self._batch_taken.clear()
            await self._batch_taken.wait()

    async def _answer(self, query: ProviderQuery) -> None:
        provider = self._providers.get(query.provider)
        if provider is None:
            body = {"result": None, "error": f"this worker does not serve provider {query.provider!r}"}
        else:
            body = await answer_query(provider, query)
        try:
            await self._client.answer_query(query.query_id, QueryAnswer(worker_id=self.worker_id, **body))
        except (httpx.TransportError, httpx.HTTPStatusError) as error:
            logger.warning("Answering query %s failed (%s)", query.query_id, error)

    async def _handle(self, event: LeasedEvent) -> None:
        # This task's lines (the handler's own included) name the event, its resource and the
        # request that caused it.
        with log_fields(**event_log_fields(event)), _handler_span(event):
            await self._handle_in_context(event)

    async def _handle_in_context(self, event: LeasedEvent) -> None:
        provider = self._providers[event.provider]
        try:
            # A timeout scope, not wait_for: the handler runs in this task, so one that needs
            # no I/O has its result queued in this very step (see _results_first).
            async with asyncio.timeout(self._handler_timeout):
                result = await handle_event(provider, event, runtime=self._runtime)
        except TimeoutError:
            result = LifecycleResult(
                event_id=event.event_id,
                status=ResponseStatus.FAILURE,
                error=f"TimeoutError: handler did not finish within {self._handler_timeout:g} s",
            )
        except asyncio.CancelledError:
            self._unreported.discard(event.event_id)
            logger.info(
                "%s of %s/%s/%s cancelled", event.event_type.value, event.provider, event.resource, event.name
            )
            return  # lease lost or shutting down: the server redelivers the event
        finally:
            self._running.pop(event.event_id, None)
            self._slot_freed.set()
        if result.failed:
            tracing.fail_current(result.error or "handler failed")
        _log_outcome(event, result)
        # The attempt travels with the result, so a late result cannot complete a newer delivery.
        await self._results.put(result.model_copy(update={"attempt": event.attempt}))

    async def _report(self) -> None:
        failures = 0
        while True:
            self._reporter_idle = True
            batch = [await self._results.get()]
            self._reporter_idle = False
            while not self._results.empty() and len(batch) < _COMPLETE_BATCH:
                batch.append(self._results.get_nowait())
            self._batch_taken.set()
            while True:
                try:
                    response = await self._complete(batch, self._next_lease())
                except (httpx.TransportError, httpx.HTTPStatusError) as error:
                    failures += 1
                    delay = min(_MAX_BACKOFF_SECONDS, 0.25 * 2**failures)
                    logger.warning(
                        "Reporting %d result(s) failed (%s); retrying in %.1f s", len(batch), error, delay
                    )
                    await asyncio.sleep(delay)
                    continue
                finally:
                    self._reporting_for = 0
                    self._slot_freed.set()
                failures = 0
                for rejected in response.rejected:
                    logger.warning("Result for %s refused: %s", rejected.event_id, rejected.reason)
                self._start(response.events)
                break
            for result in batch:
                self._unreported.discard(result.event_id)
                self._results.task_done()

    async def _complete(
        self, batch: list[LifecycleResult], lease: NextLease | None = None
    ) -> CompleteResponse:
        """Report ``batch``, leasing more with it when ``lease`` says so. A result the server
        refuses as invalid (422: outputs it cannot store, such as a string holding NUL) is
        reported as the permanent failure it causes, and holds back no other result; retrying
        it could never succeed. A refused request leased nothing.
        """
        try:
            return await self._client.complete_events(
                CompleteRequest(worker_id=self.worker_id, results=batch, lease=lease)
            )
        except PragmaAPIError as error:
            if error.status != 422:
                raise
            reason = error.message
        if len(batch) > 1:
            answers = [await self._complete([result]) for result in batch]
            return CompleteResponse(
                accepted=[event_id for answer in answers for event_id in answer.accepted],
                rejected=[rejected for answer in answers for rejected in answer.rejected],
            )
        (result,) = batch
        logger.warning("Result for %s refused as invalid: %s", result.event_id, reason)
        failure = LifecycleResult(
            event_id=result.event_id,
            status=ResponseStatus.FAILURE,
            error=f"The platform refused the handler's result: {reason}",
            permanent=True,
            attempt=result.attempt,
        )
        return await self._client.complete_events(
            CompleteRequest(worker_id=self.worker_id, results=[failure])
        )

    async def _heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            # Short steps: the lease length is learnt from the first lease response.
            await asyncio.sleep(_HEARTBEAT_STEP_SECONDS)
            if loop.time() - last < self._lease_seconds / 3:
                continue
            last = loop.time()
            running = sorted(self._unreported)
            if not running:
                continue
            try:
                response = await self._client.heartbeat_events(
                    HeartbeatRequest(worker_id=self.worker_id, event_ids=running)
                )
            except (httpx.TransportError, httpx.HTTPStatusError) as error:
                logger.warning("Heartbeat failed (%s)", error)
                continue
            for event_id in response.lost:
                task = self._running.get(event_id)
                if task is not None:
                    logger.warning("Lease on %s lost; cancelling its handler", event_id)
                    task.cancel()


def _log_outcome(event: LeasedEvent, result: LifecycleResult) -> None:
    """One line per handler run: a failure as a warning; a success at debug level, since a
    line for each of thousands of events a second would cost more than the work itself."""
    target = f"{event.event_type.value} of {event.provider}/{event.resource}/{event.name}"
    if result.success:
        logger.debug("%s succeeded (attempt %d)", target, event.attempt)
    elif result.permanent:
        logger.warning("%s failed for good (attempt %d): %s", target, event.attempt, result.error)
    else:
        logger.warning("%s failed (attempt %d), to be retried: %s", target, event.attempt, result.error)


def _handler_span(event: LeasedEvent) -> AbstractContextManager[Any]:
    """The ``handle`` span of ``event``, a child of the apply that caused it (none when the
    server sent no traceparent or this process exports no traces)."""
    if event.traceparent is None or not tracing.enabled():
        return nullcontext()
    attributes = {
        "pragma.event_id": event.event_id,
        "pragma.event_type": event.event_type.value,
        "pragma.provider": event.provider,
        "pragma.resource": event.resource,
        "pragma.resource_id": resource_id(event.provider, event.resource, event.name),
        "pragma.attempt": event.attempt,
    }
    name = f"handle {event.event_type.value} {event.provider}/{event.resource}"
    return tracing.span(name, parent=event.traceparent, attributes=attributes)
