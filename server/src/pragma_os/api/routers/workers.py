"""``/workers``: the protocol provider workers speak (lease, heartbeat, complete, answer queries),
and the subresources their handlers apply and wait for through the events they hold.

These are the only routes a worker token may call; they take the caller as ``WorkerPrincipal``.
"""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from pragma_os.api.deps import ApplyQueueDep, DispatcherDep, WorkerPrincipal
from pragma_os.api.openapi import BODY_ERRORS, COMMON_ERRORS, ResourceId, error_responses
from pragma_os.api.responses import FastJSONResponse
from pragma_os.api.routing import CheckedRoute
from pragma_os.errors import InvalidInputError
from pragma_os.services import subresources, workers
from pragma_sdk.models import RESOURCE_ID_RULE, ResourceDocument, is_resource_id
from pragma_sdk.provider import (
    MAX_WAIT_SECONDS,
    CompleteRequest,
    CompleteResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    LeaseRequest,
    LeaseResponse,
    QueryAnswer,
    SubresourceApply,
)

router = APIRouter(
    prefix="/workers",
    tags=["workers"],
    route_class=CheckedRoute,
    # Either kind of token may call these routes, so none is refused with 403 as such.
    responses=error_responses(401, *COMMON_ERRORS, *BODY_ERRORS),
)
_NO_LEASE = {
    404: "No such event, or no such subresource of its resource",
    409: "The worker does not hold the event's lease",
}

WorkerId = Annotated[str, Query(min_length=1, max_length=100, description="The worker holding the lease")]


@router.post(
    "/lease",
    response_model=LeaseResponse,
    responses=error_responses(404, descriptions={404: "A provider the worker token does not serve"}),
)
async def lease_events(
    body: LeaseRequest, principal: WorkerPrincipal, dispatcher: DispatcherDep, request: Request
) -> FastJSONResponse:
    """Lease up to ``max_events`` events of the given providers; waits up to ``wait_seconds`` for some."""
    return FastJSONResponse(
        await workers.lease(dispatcher, principal, body, functools.partial(_hang_up, request))
    )


async def _hang_up(request: Request) -> None:
    """Returns when the caller of ``request``, whose body has been read, hangs up."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


@router.post("/heartbeat", response_model=HeartbeatResponse)
async def heartbeat(
    request: HeartbeatRequest, principal: WorkerPrincipal, dispatcher: DispatcherDep
) -> HeartbeatResponse:
    """Extend the leases of events the worker is still handling."""
    return await workers.heartbeat(dispatcher, principal, request)


@router.post(
    "/complete",
    response_model=CompleteResponse,
    response_model_exclude_unset=True,
    responses=error_responses(
        404, descriptions={404: "A provider of `lease` the worker token does not serve"}
    ),
)
async def complete_events(
    request: CompleteRequest, principal: WorkerPrincipal, dispatcher: DispatcherDep
) -> CompleteResponse:
    """Report results; a result for an event the worker no longer holds is refused, not applied.

    With ``lease``, also lease what is due for the worker in the same transaction (``events``).
    """
    return await workers.complete(dispatcher, principal, request)


@router.post(
    "/queries/{query_id}",
    status_code=204,
    responses=error_responses(404, descriptions={404: "No query of that id is waiting for an answer"}),
)
async def answer_query(
    query_id: str, body: QueryAnswer, principal: WorkerPrincipal, dispatcher: DispatcherDep
) -> Response:
    """Answer a provider query (a resource's health or logs) handed out with a lease."""
    await dispatcher.queries.answer(principal, query_id, body.result, body.error)
    return Response(status_code=204)


@router.post(
    "/events/{event_id}/apply",
    response_model=ResourceDocument,
    responses=error_responses(
        403,
        404,
        409,
        descriptions={
            **_NO_LEASE,
            403: "The resource is not the event resource's to apply, or its config refers to others",
        },
    ),
)
async def apply_subresource(
    event_id: str,
    body: SubresourceApply,
    principal: WorkerPrincipal,
    dispatcher: DispatcherDep,
    queue: ApplyQueueDep,
) -> FastJSONResponse:
    """Apply a subresource of the event's resource, which becomes its owner; while the worker holds the lease.

    403 when the resource exists without being owned by the event's resource, or when its
    config refers to resources the event's resource neither owns nor depends on; 409 when the
    worker does not hold the lease.
    """
    document = await subresources.apply_subresource(dispatcher.database, queue, principal, event_id, body)
    return FastJSONResponse(document)


@router.get(
    "/events/{event_id}/resources/{resource_id}",
    response_model=ResourceDocument,
    responses=error_responses(404, 409, descriptions=_NO_LEASE),
)
async def read_subresource(
    event_id: str,
    resource_id: ResourceId,
    principal: WorkerPrincipal,
    dispatcher: DispatcherDep,
    worker_id: WorkerId,
    wait_seconds: Annotated[
        float,
        Query(
            ge=0,
            le=MAX_WAIT_SECONDS,
            allow_inf_nan=False,
            description="Wait up to this long for it to be ready or failed",
        ),
    ] = 0.0,
) -> FastJSONResponse:
    """A resource the event's resource owns; with ``wait_seconds``, once it is ready or failed.

    Answers as it is when the wait runs out; 404 when the event's resource owns no such
    resource (or it was deleted), 409 when the worker does not hold the lease.
    """
    if not is_resource_id(resource_id):
        raise InvalidInputError("resource_id", RESOURCE_ID_RULE)
    document = await subresources.read_subresource(
        dispatcher.database, principal, event_id, worker_id, resource_id, wait_seconds
    )
    return FastJSONResponse(document)
