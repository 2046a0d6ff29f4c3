"""``/workers``: the lease protocol provider workers speak (lease, heartbeat, complete)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from pragma_os.api.deps import CurrentPrincipal, DispatcherDep
from pragma_os.api.responses import FastJSONResponse
from pragma_os.services import workers
from pragma_sdk.provider import (
    CompleteRequest,
    CompleteResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    LeaseRequest,
    LeaseResponse,
    QueryAnswer,
)

router = APIRouter(prefix="/workers", tags=["workers"])


@router.post("/lease", response_model=LeaseResponse)
async def lease_events(
    body: LeaseRequest, principal: CurrentPrincipal, dispatcher: DispatcherDep, request: Request
) -> FastJSONResponse:
    """Lease up to ``max_events`` events of the given providers; waits up to ``wait_seconds`` for some."""
    return FastJSONResponse(await workers.lease(dispatcher, principal, body, request.is_disconnected))


@router.post("/heartbeat", response_model=HeartbeatResponse)
async def heartbeat(
    request: HeartbeatRequest, principal: CurrentPrincipal, dispatcher: DispatcherDep
) -> HeartbeatResponse:
    """Extend the leases of events the worker is still handling."""
    return await workers.heartbeat(dispatcher, principal, request)


@router.post("/complete", response_model=CompleteResponse)
async def complete_events(
    request: CompleteRequest, principal: CurrentPrincipal, dispatcher: DispatcherDep
) -> CompleteResponse:
    """Report results; a result for an event the worker no longer holds is refused, not applied."""
    return await workers.complete(dispatcher, principal, request)


@router.post("/queries/{query_id}", status_code=204)
async def answer_query(
    query_id: str, body: QueryAnswer, principal: CurrentPrincipal, dispatcher: DispatcherDep
) -> Response:
    """Answer a provider query (a resource's health or logs) handed out with a lease."""
    dispatcher.queries.answer(principal, query_id, body.result, body.error)
    return Response(status_code=204)
