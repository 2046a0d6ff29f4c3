"""``/resources``: apply, list, read and delete resources, and list resource types."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import WithJsonSchema

from pragma_os.api.deps import (
    ApplyQueueDep,
    CurrentPrincipal,
    DatabaseDep,
    DispatcherDep,
    SealerDep,
    WakeupsDep,
    WorkerNoticesDep,
)
from pragma_os.api.openapi import (
    BODY_ERRORS,
    ProviderFilter,
    ResourceId,
    SecretId,
    error_responses,
    event_stream_answer,
    paged_answer,
)
from pragma_os.api.responses import FastJSONResponse, event_stream
from pragma_os.api.routing import authenticated_router
from pragma_os.errors import InvalidInputError
from pragma_os.services import (
    planning,
    resource_batches,
    resource_graph,
    resource_history,
    resource_logs,
    resource_types,
    resources,
    secrets,
    watch,
)
from pragma_sdk.models import (
    MAX_TAGS,
    RESOURCE_ID,
    RESOURCE_ID_RULE,
    DateTime,
    LifecycleState,
    LogEntry,
    ProviderName,
    ResourceApply,
    ResourceApplyBatch,
    ResourceBatchResult,
    ResourceDefinition,
    ResourceDocument,
    ResourceGraph,
    ResourceHealth,
    ResourceHistoryEntry,
    ResourceName,
    ResourceStatus,
    ResourceType,
    Tag,
    is_resource_id,
)

router = authenticated_router("/resources", "resources")

MAX_PAGE_SIZE = 10_000
NAME_CONTAINS_MAX = 63  # the longest resource name
LAST_EVENT_ID_RULE = (
    f"must be the id of an event from this stream: a whole number from 0 to {watch.MAX_EVENT_ID}"
)
_NOT_FOUND = error_responses(404, descriptions={404: "No such resource"})
_NO_WORKER = {503: "No worker of the resource's provider answered in time"}


PlanToken = Annotated[
    str | None,
    Query(
        max_length=64,
        description=(
            "The token of a plan of exactly these documents (POST /resources/plan): the apply is "
            "refused with 409 if anything the plan read has changed since"
        ),
    ),
]


def _checked_id(resource_id: str) -> str:
    if not is_resource_id(resource_id):
        raise InvalidInputError("resource_id", RESOURCE_ID_RULE)
    return resource_id


def _event_id(header: str) -> int:
    # isdigit() alone passes digits of other scripts; the length check spares converting junk.
    if header.isascii() and header.isdigit() and len(header) <= 32 and int(header) <= watch.MAX_EVENT_ID:
        return int(header)
    raise InvalidInputError("Last-Event-ID", LAST_EVENT_ID_RULE)


@router.get("/types", response_model=list[ResourceDefinition])
async def list_resource_types(
    principal: CurrentPrincipal,
    database: DatabaseDep,
    provider: ProviderFilter = None,
) -> FastJSONResponse:
    """Resource types of deployed providers and the built-in ones."""
    return FastJSONResponse(await resource_types.list_resource_types(database, principal, provider))


@router.get(
    "/watch",
    response_class=StreamingResponse,
    responses={
        200: event_stream_answer("Server-sent events: resource and deleted, each with the id to resume from")
    },
)
async def watch_resources(
    principal: CurrentPrincipal,
    database: DatabaseDep,
    notices: WorkerNoticesDep,
    provider: Annotated[ProviderName | None, Query(description="Only this provider's resources")] = None,
    resource: Annotated[ResourceType | None, Query(description="Only this resource type")] = None,
    name: Annotated[ResourceName | None, Query(description="Only resources with this name")] = None,
    snapshot: Annotated[bool, Query(description="Start with the current state of matching resources")] = True,
    last_event_id: Annotated[
        str | None,
        Header(alias="Last-Event-ID", description="Resume after this event of the stream"),
        # Checked by ``_event_id``, so that a bad one is a 422 naming the header and the rule.
        WithJsonSchema({"type": "integer", "minimum": 0, "maximum": watch.MAX_EVENT_ID}),
    ] = None,
) -> StreamingResponse:
    """Stream resource changes as server-sent events (``resource`` and ``deleted``).

    Reconnect with the ``Last-Event-ID`` header to resume after the last event you saw; an id
    beyond the newest event starts over, as without the header.
    """
    resume = None if last_event_id is None else _event_id(last_event_id)
    stream = watch.watch(
        database,
        principal,
        provider=provider,
        resource=resource,
        name=name,
        last_event_id=resume,
        snapshot=snapshot,
        notices=notices,
    )
    return event_stream(stream)


@router.get("/graph", response_model=ResourceGraph)
async def get_resources_graph(
    principal: CurrentPrincipal,
    database: DatabaseDep,
    provider: Annotated[ProviderName | None, Query(description="Only this provider's resources")] = None,
) -> FastJSONResponse:
    """Dependencies and ownership of the organization's resources (or one provider's) as
    ``{"nodes", "edges", "truncated"}``: an edge goes ``from`` a resource ``to`` what it
    depends on (``kind`` ``dependency``) or its owner (``owner``). The first 500 resources in
    id order: ``truncated`` says when there were more."""
    graph = await resource_graph.graph_of_resources(database, principal, provider)
    return FastJSONResponse(graph.to_json())


@router.get(
    "/",
    response_model=list[ResourceDocument],
    responses=paged_answer("Resources in id order", RESOURCE_ID.json_schema),
)
async def list_resources(
    principal: CurrentPrincipal,
    database: DatabaseDep,
    notices: WorkerNoticesDep,
    provider: ProviderFilter = None,
    resource: Annotated[ResourceType | None, Query(description="Filter by resource type")] = None,
    state: Annotated[LifecycleState | None, Query(description="Filter by lifecycle state")] = None,
    name_contains: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=NAME_CONTAINS_MAX,
            description="Only resources whose name contains this text, ignoring case",
        ),
    ] = None,
    tags: Annotated[
        list[Tag] | None, Query(max_length=MAX_TAGS, description="Filter by tags (all must match)")
    ] = None,
    limit: Annotated[
        int | None,
        Query(ge=1, le=MAX_PAGE_SIZE, description="Page size; the next page's cursor is in X-Next-Cursor"),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            description="X-Next-Cursor of the previous page (the page starts after that resource id)",
            json_schema_extra=RESOURCE_ID.json_schema,
        ),
    ] = None,
) -> FastJSONResponse:
    """Resources in id order. Without ``limit``, all of them."""
    page = await resources.list_resources(
        database,
        principal,
        provider=provider,
        resource=resource,
        tags=tags or (),
        cursor=cursor,
        limit=limit,
        notices=notices,
        state=state,
        name_contains=name_contains,
    )
    headers = {"X-Next-Cursor": page.next_cursor} if page.next_cursor else None
    return FastJSONResponse(page.documents, headers=headers)


@router.post(
    "/apply",
    response_model=ResourceDocument,
    responses=error_responses(
        403,
        404,
        409,
        *BODY_ERRORS,
        descriptions={
            403: "A worker token, or the resource exists without being owned by owner_references",
            409: "Another resource has this id, the resource is being deleted, or plan_token is stale",
        },
    ),
)
async def apply_resource(
    body: ResourceApply,
    principal: CurrentPrincipal,
    queue: ApplyQueueDep,
    notices: WorkerNoticesDep,
    database: DatabaseDep,
    sealer: SealerDep,
    plan_token: PlanToken = None,
) -> FastJSONResponse:
    """Create or update a resource and queue its processing. Re-applying identical content changes nothing."""
    if plan_token is not None:
        await planning.check_plan_token(database, queue, sealer, principal, [body], plan_token)
    document = await queue.apply(principal, body)
    # As a read of it would say: whether a worker of its provider has connected.
    await notices.annotate(principal.organization_id, [document])
    return FastJSONResponse(document)


@router.post(
    "/apply/batch",
    response_model=ResourceBatchResult,
    responses=error_responses(
        409,
        422,
        *BODY_ERRORS,
        descriptions={
            409: (
                "Every refused document clashes with stored state (errors lists them), or "
                "plan_token is stale; nothing was applied"
            ),
            422: (
                "A document breaks a rule; errors lists every problem of every document, each "
                "naming its field as documents[<index>].<field>; nothing was applied"
            ),
        },
    ),
)
async def apply_resources(
    body: ResourceApplyBatch,
    principal: CurrentPrincipal,
    database: DatabaseDep,
    wakeups: WakeupsDep,
    queue: ApplyQueueDep,
    notices: WorkerNoticesDep,
    sealer: SealerDep,
    plan_token: PlanToken = None,
) -> FastJSONResponse:
    """Create or update several resources at once: all of them, or none.

    Every document is checked as a single apply checks one (schema, references, cycles among
    the documents and with what is stored) before any is written.
    """
    if plan_token is not None:
        await planning.check_plan_token(database, queue, sealer, principal, body.documents, plan_token)
    documents = await resource_batches.apply_batch(database, wakeups, queue, principal, body.documents)
    await notices.annotate(principal.organization_id, documents)
    return FastJSONResponse({"resources": documents})


@router.get("/{resource_id}", response_model=ResourceDocument, responses=_NOT_FOUND)
async def get_resource(
    resource_id: ResourceId, principal: CurrentPrincipal, database: DatabaseDep, notices: WorkerNoticesDep
) -> FastJSONResponse:
    """One resource. A pending one whose provider has no worker connected says so in ``message``."""
    document = await resources.get_resource(database, principal, _checked_id(resource_id), notices=notices)
    return FastJSONResponse(document)


@router.get("/{resource_id}/status", response_model=ResourceStatus, responses=_NOT_FOUND)
async def get_resource_status(
    resource_id: ResourceId, principal: CurrentPrincipal, database: DatabaseDep
) -> FastJSONResponse:
    """Lifecycle state and error of one resource."""
    document = await resources.get_resource(database, principal, _checked_id(resource_id))
    return FastJSONResponse(
        {
            "resource_id": document["id"],
            "lifecycle_state": document["lifecycle_state"],
            "error": document["error"],
        }
    )


@router.post("/{resource_id}/reveal", response_model=dict[str, Any], responses=_NOT_FOUND)
async def reveal_secret(
    resource_id: SecretId, principal: CurrentPrincipal, database: DatabaseDep, sealer: SealerDep
) -> FastJSONResponse:
    """The plaintext values of a ``pragma/secret``, for its own organization; each call is audited."""
    return FastJSONResponse(
        await secrets.reveal_secret(database, sealer, principal, _checked_id(resource_id))
    )


@router.get(
    "/{resource_id}/health",
    response_model=ResourceHealth,
    responses=error_responses(404, 503, descriptions=_NO_WORKER),
)
async def get_resource_health(
    resource_id: ResourceId, principal: CurrentPrincipal, database: DatabaseDep, dispatcher: DispatcherDep
) -> FastJSONResponse:
    """The resource's health, as its provider's ``health()`` reports it (503 when no worker answers)."""
    document = await resources.get_resource(database, principal, _checked_id(resource_id))
    return FastJSONResponse(await dispatcher.queries.ask(principal, document, "health"))


@router.get(
    "/{resource_id}/logs",
    response_model=list[LogEntry],
    responses={
        200: event_stream_answer("Log entries; with follow=true, a stream of server-sent events"),
        **error_responses(404, 503, descriptions=_NO_WORKER),
    },
)
async def get_resource_logs(
    resource_id: ResourceId,
    principal: CurrentPrincipal,
    database: DatabaseDep,
    dispatcher: DispatcherDep,
    since: Annotated[
        DateTime | None, Query(description="Only return logs after this time (RFC 3339, with its offset)")
    ] = None,
    tail: Annotated[int, Query(ge=1, le=10000, description="Number of recent log entries to return")] = 100,
    follow: Annotated[bool, Query(description="Stream logs in real-time via SSE")] = False,
) -> Response:
    """Recent log lines of the resource, from its provider's ``logs()`` (503 when no worker answers).

    With ``follow=true``, a server-sent-event stream: those lines, then new ones as they come.
    """
    document = await resources.get_resource(database, principal, _checked_id(resource_id))
    entries = await dispatcher.queries.ask(principal, document, "logs", since=since, tail=tail)
    if not follow:
        return FastJSONResponse(entries)
    stream = resource_logs.follow_logs(dispatcher.queries, principal, document, entries, since=since)
    return event_stream(stream)


MAX_HISTORY_PAGE = 1000


@router.get(
    "/{resource_id}/history",
    response_model=list[ResourceHistoryEntry],
    responses={
        200: {
            "description": "The resource's lifecycle transitions, newest first",
            "headers": {
                "X-Next-Cursor": {
                    "description": "When more follow: the cursor of the next (older) page",
                    "schema": {"type": "string", "pattern": resource_history.CURSOR_PATTERN},
                }
            },
        },
        **error_responses(404, 422, descriptions={404: "No such resource, and no history of one"}),
    },
)
async def get_resource_history(
    resource_id: ResourceId,
    principal: CurrentPrincipal,
    database: DatabaseDep,
    limit: Annotated[
        int,
        Query(ge=1, le=MAX_HISTORY_PAGE, description="Page size; the next page's cursor is in X-Next-Cursor"),
    ] = 100,
    cursor: Annotated[
        str | None,
        Query(
            description="X-Next-Cursor of the previous page (the page starts with the entry before it)",
            json_schema_extra={"pattern": resource_history.CURSOR_PATTERN},
        ),
    ] = None,
) -> FastJSONResponse:
    """The resource's history: one entry per lifecycle transition (apply, propagation from a
    dependency, lease, success, failure, retry, delete …), newest first, with who caused it,
    the config or outputs changes (secret values redacted), the attempt, the handler's
    duration and, on failure, the error and traceback. A deleted resource's history stays
    readable until ``history_retention_days`` trims it."""
    page = await resource_history.resource_history(
        database, principal, _checked_id(resource_id), limit=limit, cursor=cursor
    )
    headers = {"X-Next-Cursor": page.next_cursor} if page.next_cursor else None
    return FastJSONResponse(page.entries, headers=headers)


@router.get("/{resource_id}/graph", response_model=ResourceGraph, responses=_NOT_FOUND)
async def get_resource_graph(
    resource_id: ResourceId,
    principal: CurrentPrincipal,
    database: DatabaseDep,
    depth: Annotated[
        int,
        Query(ge=1, le=resource_graph.MAX_GRAPH_DEPTH, description="How many links away to follow"),
    ] = 1,
) -> FastJSONResponse:
    """The resources up to ``depth`` links away from this one, following dependencies and owner
    references both ways, as ``GET /resources/graph`` shapes them (at most 500 nodes)."""
    graph = await resource_graph.graph_around(database, principal, _checked_id(resource_id), depth)
    return FastJSONResponse(graph.to_json())


@router.delete(
    "/{resource_id}",
    response_model=ResourceDocument,
    responses={
        204: {"description": "The resource was already gone."},
        **error_responses(409, descriptions={409: "Other resources still depend on it"}),
    },
)
async def delete_resource(
    resource_id: ResourceId, principal: CurrentPrincipal, database: DatabaseDep, wakeups: WakeupsDep
) -> Response:
    """Delete a resource and what it owns: 200 with it on its way out, 204 if it was already gone.

    409 when other resources still depend on it.
    """
    document = await resources.delete_resource(database, wakeups, principal, _checked_id(resource_id))
    if document is None:
        return Response(status_code=204)
    return FastJSONResponse(document)
