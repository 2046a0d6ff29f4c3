"""The worker protocol's use cases: long-poll leases, heartbeats, results."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.auth import Principal
from pragma_os.deploy.runs import ServerRun
from pragma_os.engine import leasing, rescue, transitions
from pragma_os.engine.handoff import Lease, ParkedPoll, ParkedPolls
from pragma_os.engine.results import complete as take_results
from pragma_os.engine.retry import RetryPolicy
from pragma_os.engine.wakeups import Signal, Touched, Wakeups
from pragma_os.errors import NotFoundError
from pragma_os.secrets.sealing import Sealer, UnsealError
from pragma_os.services.presence import WorkerPresence
from pragma_os.services.provider_queries import QueryBroker
from pragma_os.services.secret_redaction import SecretRedactors
from pragma_os.store import Database, events, notifications
from pragma_os.store.types import Claim, utcnow
from pragma_sdk import tracing
from pragma_sdk.models import ResponseStatus
from pragma_sdk.provider import (
    CompleteRequest,
    CompleteResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    LeasedEvent,
    LeaseRequest,
    LifecycleResult,
    RejectedResult,
)

# A long poll is woken by commits that give its providers work, this replica's or, announced,
# another's; it also looks again this often, a safety net for announcements lost while a
# replica's listener was reconnecting.
RECHECK_SECONDS = 5.0


@dataclass(frozen=True)
class Dispatcher:
    """What the worker protocol needs: the database, wakeups, the retry policy, lease length."""

    database: Database
    wakeups: Wakeups
    policy: RetryPolicy
    lease_seconds: float
    queries: QueryBroker
    presence: WorkerPresence
    sealer: Sealer
    # Redacts the organization's secret values from handlers' tracebacks; None: only those the
    # event carried (the built-in provider's own code).
    redactors: SecretRedactors | None = None
    parked: ParkedPolls = field(default_factory=ParkedPolls)

    async def claim(
        self, organization_id: str | None, providers: Sequence[str], owner: str, limit: int
    ) -> tuple[list[dict[str, Any]], Touched]:
        """Lease up to ``limit`` due events of ``providers`` (in one organization, or any when
        ``None``) to ``owner``, built into payloads with their secrets still sealed; also what
        the leases touched, for the caller to wake."""
        touched = Touched()
        lease = self.lease_for(organization_id, providers, owner, limit)
        leased = await self.database.retrying(lambda connection: lease(connection, touched), wakes=touched)
        return leased, touched

    def lease_for(
        self, organization_id: str | None, providers: Sequence[str], owner: str, limit: int
    ) -> Lease:
        """What leases up to ``limit`` due events of ``providers`` to ``owner`` in a transaction."""

        async def lease(connection: AsyncConnection, touched: Touched) -> list[dict[str, Any]]:
            claim = Claim.lasting(self.lease_seconds, organization_id, providers, owner, limit)
            started = time.time_ns() if tracing.enabled() else 0
            leased = await leasing.lease(
                connection, claim, policy=self.policy, sealer=self.sealer, touched=touched
            )
            if started:
                _lease_spans(leased, owner, started)
            return leased

        return lease

    async def next_due(self, organization_id: str | None, providers: Sequence[str]) -> datetime | None:
        """When the earliest unblocked event of ``providers`` is due (``None``: none is queued)."""
        async with self.database.reading() as connection:
            return await events.next_due(connection, organization_id, providers)

    async def sleep_until_due(
        self,
        signals: list[Signal],
        due: datetime | None,
        most: float,
        *,
        also: Sequence[asyncio.Future[Any]] = (),
    ) -> None:
        """Wait for one of ``signals`` or ``also``, for ``due`` to come, or ``most`` seconds."""
        sleep = most if due is None else min(most, max((due - utcnow()).total_seconds(), 0))
        if sleep > 0:
            await self.wakeups.wait_any(signals, sleep, also=also)

    async def park(
        self,
        poll: ParkedPoll,
        signals: list[Signal],
        due: datetime | None,
        most: float,
        hang_up: asyncio.Future[object],
    ) -> list[dict[str, Any]]:
        """Wait as ``sleep_until_due`` does, or until a commit hands ``poll`` work (returned)
        or ``hang_up`` is done (the worker hung up); a worker that hung up is handed nothing."""
        self.parked.park(poll)
        try:
            await self.sleep_until_due(signals, due, most, also=[poll.handed, hang_up])
        finally:
            handed = await self.parked.leave(poll)
        return handed


def _lease_spans(leased: list[dict[str, Any]], owner: str, started: int) -> None:
    """A ``lease`` span for each traced event leased, a child of the apply that caused it."""
    for payload in leased:
        if payload.get("traceparent"):
            attributes = {
                "pragma.event_id": payload["event_id"],
                "pragma.event_type": payload["event_type"],
                "pragma.provider": payload["provider"],
                "pragma.resource": payload["resource"],
                "pragma.worker_id": owner,
                "pragma.attempt": payload["attempt"],
            }
            with tracing.span(
                "lease", parent=payload["traceparent"], attributes=attributes, start_time=started
            ):
                pass


def _allowed(principal: Principal, providers: list[str]) -> None:
    outside = sorted(provider for provider in set(providers) if not principal.may_serve(provider))
    if outside:
        # Same answer as for a provider that does not exist: a scoped token learns nothing.
        raise NotFoundError(f"Provider {outside[0]!r} not found.", field="providers")


async def lease(
    dispatcher: Dispatcher,
    principal: Principal,
    request: LeaseRequest,
    hung_up: Callable[[], Awaitable[object]],
) -> dict[str, Any]:
    """Lease events, waiting up to ``wait_seconds`` for some to become available (or to be
    handed some by the commit that creates them: ``engine/handoff.py``).

    ``hung_up`` returns when the worker hangs up; its abandoned poll then leases nothing.
    """
    _allowed(principal, request.providers)
    dispatcher.presence.mark(request.worker_id)
    await dispatcher.presence.polling(
        principal.organization_id, request.providers, request.worker_id, request.wait_seconds
    )
    hang_up = asyncio.ensure_future(hung_up())
    try:
        return await _lease_or_wait(dispatcher, principal.organization_id, request, hang_up)
    finally:
        hang_up.cancel()


async def _lease_or_wait(
    dispatcher: Dispatcher, organization_id: str, request: LeaseRequest, hang_up: asyncio.Future[object]
) -> dict[str, Any]:
    keys = [(organization_id, provider) for provider in request.providers]
    lease = dispatcher.lease_for(organization_id, request.providers, request.worker_id, request.max_events)
    deadline = time.monotonic() + request.wait_seconds
    leased: list[dict[str, Any]] = []
    queries: list[dict[str, Any]] = []
    while not hang_up.done():
        # Taken before looking, so that work committed while we look wakes the wait below.
        signals = dispatcher.wakeups.signals(keys)
        queries = await dispatcher.queries.take(organization_id, request.providers, request.worker_id)
        # A read first: an empty poll then costs no write transaction, whose commit would
        # also wake every watch stream for nothing.
        due = await dispatcher.next_due(organization_id, request.providers)
        if due is not None and due <= utcnow():
            leased, touched = await dispatcher.claim(
                organization_id, request.providers, request.worker_id, request.max_events
            )
            dispatcher.wakeups.notify(touched - set(keys))
            if not leased:  # what was due went back blocked: sleep until the next one is due
                due = await dispatcher.next_due(organization_id, request.providers)
        remaining = deadline - time.monotonic()
        if leased or queries or remaining <= 0:
            break
        poll = ParkedPoll(keys, lease)
        leased = await dispatcher.park(poll, signals, due, min(remaining, RECHECK_SECONDS), hang_up)
        if leased:
            break
    leased = await open_secrets(dispatcher, organization_id, request.worker_id, leased)
    return {"events": leased, "lease_seconds": dispatcher.lease_seconds, "queries": queries}


async def open_secrets(
    dispatcher: Dispatcher, organization_id: str | None, worker_id: str, leased: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The leased events with their secret values opened, for the provider's handlers.

    An event whose secret cannot be opened (sealed under another server key) fails for good
    at once, saying so, instead of reaching a handler with a wrong value.
    """
    opened, broken = [], []
    for payload in leased:
        try:
            opened.append(dispatcher.sealer.open_all(payload))
        except UnsealError as error:
            broken.append(
                LifecycleResult(
                    event_id=payload["event_id"],
                    status=ResponseStatus.FAILURE,
                    error=f"{error}; apply the secret again",
                    permanent=True,
                )
            )
    if broken:
        await complete_results(dispatcher, organization_id, worker_id, broken)
    return opened


async def heartbeat(
    dispatcher: Dispatcher, principal: Principal, request: HeartbeatRequest
) -> HeartbeatResponse:
    """Extend the leases the worker still holds."""
    lease_until = utcnow() + timedelta(seconds=dispatcher.lease_seconds)
    held = await dispatcher.database.retrying(
        lambda connection: transitions.extend_leases(
            connection,
            principal.organization_id,
            request.worker_id,
            request.event_ids,
            lease_until,
            providers=_scope(principal),
        )
    )
    kept = set(held)
    return HeartbeatResponse(
        held=held, lost=[event_id for event_id in request.event_ids if event_id not in kept]
    )


async def complete(
    dispatcher: Dispatcher, principal: Principal, request: CompleteRequest
) -> CompleteResponse:
    """Take a batch of results in one transaction; refuse those for leases the worker lost.

    With ``request.lease``, lease what is due for the worker in the same transaction (a
    dependent the results made due among it) and answer it with the results.
    """
    lease = None
    if request.lease is not None:
        _allowed(principal, request.lease.providers)
        lease = _lease_new_work(
            dispatcher.lease_for(
                principal.organization_id,
                request.lease.providers,
                request.worker_id,
                request.lease.max_events,
            ),
            {(principal.organization_id, provider) for provider in request.lease.providers},
        )
    return await complete_results(
        dispatcher,
        principal.organization_id,
        request.worker_id,
        request.results,
        providers=_scope(principal),
        lease=lease,
    )


def _lease_new_work(lease: Lease, keys: set[tuple[str, str]]) -> Lease:
    """``lease``, only when the transaction gave one of ``keys`` new work: a report that made
    nothing due costs no claim (the worker's next poll finds any older work)."""

    async def lease_if_touched(connection: AsyncConnection, touched: Touched) -> list[dict[str, Any]]:
        return await lease(connection, touched) if keys & touched else []

    return lease_if_touched


def _scope(principal: Principal) -> list[str] | None:
    """The providers a worker token is limited to; ``None`` (all of them) for a user's token.

    Lease owners are names workers give themselves, so a heartbeat or a result naming another
    provider's worker must not reach that provider's events.
    """
    return principal.provider_scope.split(",") if principal.provider_scope is not None else None


async def complete_results(
    dispatcher: Dispatcher,
    organization_id: str | None,
    worker_id: str,
    results: Sequence[LifecycleResult],
    *,
    providers: Sequence[str] | None = None,
    lease: Lease | None = None,
) -> CompleteResponse:
    """Take results of ``worker_id`` in one transaction (``organization_id`` None: of any
    organization; ``providers`` given: only for events of those providers); ``lease`` leases
    more work in that transaction, answered with them."""
    touched = Touched()
    now = utcnow()
    redact = None
    tracebacks = any(result.traceback for result in results)
    if tracebacks and organization_id is not None and dispatcher.redactors is not None:
        redact = await _redactor(dispatcher.redactors, organization_id)

    async def take_all(
        connection: AsyncConnection,
    ) -> tuple[list[str], list[RejectedResult], list[dict[str, Any]]]:
        refusals = await take_results(
            connection,
            organization_id,
            worker_id,
            results,
            providers=providers,
            now=now,
            policy=dispatcher.policy,
            sealer=dispatcher.sealer,
            touched=touched,
            redact=redact,
        )
        refused = {refusal.event_id for refusal in refusals}
        accepted = [result.event_id for result in results if result.event_id not in refused]
        rejected = [RejectedResult(event_id=refusal.event_id, reason=refusal.reason) for refusal in refusals]
        leased = await lease(connection, touched) if lease is not None else []
        return accepted, rejected, leased

    accepted, rejected, leased = await dispatcher.database.retrying(take_all, wakes=touched)
    dispatcher.wakeups.notify(touched)
    if lease is None:  # answered as before the protocol had ``lease``: no ``events``
        return CompleteResponse(accepted=accepted, rejected=rejected)
    leased = await open_secrets(dispatcher, organization_id, worker_id, leased)
    events = [LeasedEvent.model_validate(event) for event in leased]
    return CompleteResponse(accepted=accepted, rejected=rejected, events=events)


async def _redactor(redactors: SecretRedactors, organization_id: str) -> Callable[[str], str]:
    """The organization's redaction of secret values; one that withholds whole tracebacks when
    its secrets cannot be read."""
    try:
        return (await redactors.for_organization(organization_id)).redact
    except Exception:
        return lambda _text: "[traceback withheld: the server could not load the secrets to redact it]"


async def rescue_expired(dispatcher: Dispatcher) -> int:
    """Redeliver (or fail) events whose lease ran out; returns how many."""
    touched = Touched()
    now = utcnow()
    count = await dispatcher.database.retrying(
        lambda connection: rescue.rescue_expired(
            connection, now=now, policy=dispatcher.policy, touched=touched
        ),
        wakes=touched,
    )
    dispatcher.wakeups.notify(touched)
    return count


async def reclaim_previous_run(dispatcher: Dispatcher, run: ServerRun) -> int:
    """Redeliver (or fail) at once the events leased to the workers of this replica's earlier
    runs, which died with them (see ``deploy.runs``); returns how many."""
    ended = utcnow() - timedelta(seconds=1)
    reclaimed = await dispatcher.database.retrying(
        lambda connection: transitions.end_leases_of(connection, run.replica_prefix, run.run_prefix, ended)
    )
    return await rescue_expired(dispatcher) if reclaimed else 0


async def recheck_blocked(dispatcher: Dispatcher) -> int:
    """Have every waiting event's waits checked again at its next lease; returns how many.

    On PostgreSQL two transactions can cross: one decides a resource must wait while another
    makes what it waits for ready, before the first committed the wait. This sweep bounds
    such a missed wakeup to its interval. (SQLite runs write transactions one at a time.)
    """
    async with dispatcher.database.transaction() as connection:
        count = await transitions.unblock_all(connection)
        if count:
            notifications.announce(connection, everything=True)
    if count:
        dispatcher.wakeups.notify_all()
    return count
