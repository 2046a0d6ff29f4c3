"""Resource tools: types, list, read, status, apply, plan, history and delete.

Each calls the use case the ``/resources`` routes call, with the caller's ``Principal``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations
from pydantic import Field

from pragma_os.errors import InvalidInputError
from pragma_os.mcp.context import ToolContext
from pragma_os.mcp.errors import tool_errors
from pragma_os.mcp.models import DeletedResource, ResourceHistory, ResourceList, ResourceTypeList
from pragma_os.services import planning, resource_graph, resource_history, resource_types, resources
from pragma_os.services.resource_graph import MAX_GRAPH_DEPTH
from pragma_sdk.models import (
    MAX_TAGS,
    RESOURCE_ID_RULE,
    ResourceApply,
    ResourceDefinition,
    ResourceDocument,
    ResourceGraph,
    ResourceHistoryEntry,
    ResourcePlan,
    ResourcePlanRequest,
    ResourceStatus,
    is_resource_id,
)

READ_ONLY = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
APPLYING = ToolAnnotations(readOnlyHint=False, destructiveHint=False, idempotentHint=True, openWorldHint=True)
DELETING = ToolAnnotations(readOnlyHint=False, destructiveHint=True, idempotentHint=True, openWorldHint=True)
MAX_PAGE_SIZE = 1000
MAX_HISTORY_PAGE = 1000

ResourceIdArgument = Annotated[
    str,
    Field(
        description=(
            "The resource's id, 'resource:{provider}_{resource type with / as _}_{name}', "
            "as list_resources and apply_resource return it "
            "(for example 'resource:pragma_secret_db-password')"
        ),
    ),
]
ProviderFilter = Annotated[str | None, Field(description="Only this provider's (for example 'pragma')")]


def checked_id(resource_id: str) -> str:
    """``resource_id`` when it is a resource id; the API's 422 rule otherwise."""
    if not is_resource_id(resource_id):
        raise InvalidInputError("resource_id", RESOURCE_ID_RULE)
    return resource_id


def register(server: FastMCP[Any], context: ToolContext) -> None:
    """Add the resource tools to ``server``."""

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def list_resource_types(provider: ProviderFilter = None) -> ResourceTypeList:
        """List the resource types you can apply: those of deployed providers and the built-in
        ``pragma`` ones (secret, config, file), each with the JSON schema of its config
        (``schema``) and of its outputs. Read the schema before apply_resource: config that
        breaks it is refused."""
        rows = await resource_types.list_resource_types(context.database, context.principal(), provider)
        return ResourceTypeList(resource_types=[ResourceDefinition.model_validate(row) for row in rows])

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def list_resources(
        provider: ProviderFilter = None,
        resource: Annotated[
            str | None, Field(description="Only this resource type of the provider (for example 'secret')")
        ] = None,
        tags: Annotated[
            list[str] | None,
            Field(max_length=MAX_TAGS, description="Only resources carrying every one of these tags"),
        ] = None,
        limit: Annotated[
            int, Field(ge=1, le=MAX_PAGE_SIZE, description="At most this many resources (one page)")
        ] = 100,
        cursor: Annotated[
            str | None, Field(description="next_cursor of the previous page, to read the next one")
        ] = None,
    ) -> ResourceList:
        """List resources in id order, with their config (secret values redacted), outputs and
        lifecycle state; filter by provider, resource type and tags. When ``next_cursor`` is
        set, more follow: call again with it as ``cursor``."""
        page = await resources.list_resources(
            context.database,
            context.principal(),
            provider=provider,
            resource=resource,
            tags=tags or (),
            cursor=cursor,
            limit=limit,
            notices=context.notices,
        )
        return ResourceList(
            resources=[ResourceDocument.model_validate(document) for document in page.documents],
            next_cursor=page.next_cursor,
        )

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def get_resource(resource_id: ResourceIdArgument) -> ResourceDocument:
        """Get one resource: config (secret values redacted), resolved config, dependencies,
        outputs, lifecycle state, the error and traceback of a failure, where its retries stand,
        what it waits on, and a message when no worker of its provider has connected."""
        document = await resources.get_resource(
            context.database, context.principal(), checked_id(resource_id), notices=context.notices
        )
        return ResourceDocument.model_validate(document)

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def get_resource_status(resource_id: ResourceIdArgument) -> ResourceStatus:
        """Get a resource's lifecycle state (draft, pending, processing, ready or failed) and
        its error. After apply_resource, call it until the state is ready or failed; a failed
        resource's event is in the dead letters (list_dead_letters, retry_dead_letter)."""
        document = await resources.get_resource(
            context.database, context.principal(), checked_id(resource_id)
        )
        return ResourceStatus(
            resource_id=document["id"], lifecycle_state=document["lifecycle_state"], error=document["error"]
        )

    @server.tool(annotations=APPLYING)
    @tool_errors
    async def apply_resource(
        provider: Annotated[str, Field(description="The provider of the type, for example 'pragma'")],
        resource: Annotated[str, Field(description="The resource type, for example 'secret' or 'config'")],
        name: Annotated[
            str, Field(description="The resource's name: lowercase letters, digits, '-' and '.', at most 63")
        ],
        config: Annotated[
            dict[str, Any] | None,
            Field(
                description=(
                    "The config, following the type's schema (list_resource_types). A value may "
                    "refer to another resource: {'provider','resource','name','field': "
                    "'outputs.<key>'} or the string '${provider/resource/name.outputs.<key>}'"
                )
            ),
        ] = None,
        dependencies: Annotated[
            list[str] | None,
            Field(description="Resources ('provider/resource/name') that must be ready before this one runs"),
        ] = None,
        tags: Annotated[
            list[str] | None, Field(max_length=MAX_TAGS, description="Tags to find it by")
        ] = None,
        lifecycle_state: Annotated[
            Literal["draft", "pending"] | None,
            Field(description="'draft' stores it without processing; otherwise it is processed"),
        ] = None,
        plan_token: Annotated[
            str | None,
            Field(
                max_length=64,
                description=(
                    "The token of plan_resources for exactly this document: refused if anything changed since"
                ),
            ),
        ] = None,
    ) -> ResourceDocument:
        """Create or update a resource and queue its processing by its provider; returns it,
        usually ``pending``. Then follow it with get_resource_status until ``ready`` (its
        outputs are set) or ``failed``. Re-applying identical content changes nothing."""
        principal = context.principal()
        body = ResourceApply.model_validate(
            {
                "provider": provider,
                "resource": resource,
                "name": name,
                "config": config or {},
                "dependencies": dependencies or [],
                "tags": tags,
                "lifecycle_state": lifecycle_state,
            }
        )
        if plan_token is not None:
            await planning.check_plan_token(
                context.database, context.apply_queue, context.sealer, principal, [body], plan_token
            )
        document = await context.apply_queue.apply(principal, body)
        await context.notices.annotate(principal.organization_id, [document])
        return ResourceDocument.model_validate(document)

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def plan_resources(
        apply: Annotated[
            list[dict[str, Any]] | None,
            Field(
                description=(
                    "Documents to apply, in order, each as apply_resource takes them: "
                    "{'provider','resource','name','config', 'dependencies', 'tags'}"
                )
            ),
        ] = None,
        delete: Annotated[
            list[str] | None, Field(description="Resources to delete, each as 'provider/resource/name'")
        ] = None,
    ) -> ResourcePlan:
        """Preview what applying and deleting resources would do, writing nothing: per document
        the action (create, update, noop, delete or refused), the field changes (secrets
        redacted), schema errors, references, and the dependents that would run again. Pass
        the plan's ``token`` as apply_resource's ``plan_token`` to apply only if nothing changed."""
        request = ResourcePlanRequest.model_validate({"apply": apply or [], "delete": delete or []})
        plan = await planning.plan_resources(
            context.database, context.apply_queue, context.sealer, context.principal(), request
        )
        return ResourcePlan.model_validate(plan)

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def get_resource_history(
        resource_id: ResourceIdArgument,
        limit: Annotated[int, Field(ge=1, le=MAX_HISTORY_PAGE, description="At most this many entries")] = 50,
        cursor: Annotated[
            str | None, Field(description="next_cursor of the previous page, to read older entries")
        ] = None,
    ) -> ResourceHistory:
        """Get a resource's history, newest first: one entry per lifecycle transition (apply,
        a dependency's change, lease, success, failure, retry, delete), with who caused it,
        the config and outputs changes (secrets redacted) and, on failure, the error. A deleted
        resource's history stays readable for a while."""
        page = await resource_history.resource_history(
            context.database, context.principal(), checked_id(resource_id), limit=limit, cursor=cursor
        )
        return ResourceHistory(
            resource_id=resource_id,
            entries=[ResourceHistoryEntry.model_validate(entry) for entry in page.entries],
            next_cursor=page.next_cursor,
        )

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def get_resource_graph(
        resource_id: ResourceIdArgument,
        depth: Annotated[
            int, Field(ge=1, le=MAX_GRAPH_DEPTH, description="How many links away to follow, both ways")
        ] = 1,
    ) -> ResourceGraph:
        """Get the resources linked to a resource, up to ``depth`` links away either way: what it
        depends on and what depends on it (edges of kind ``dependency``, from the dependent to
        what it needs), its owner and what it owns (``owner``, from the owned to its owner), each
        node with its lifecycle state. Use it to see what a change or a delete would reach."""
        graph = await resource_graph.graph_around(
            context.database, context.principal(), checked_id(resource_id), depth
        )
        return ResourceGraph.model_validate(graph.to_json())

    @server.tool(annotations=DELETING)
    @tool_errors
    async def delete_resource(resource_id: ResourceIdArgument) -> DeletedResource:
        """Delete a resource and the resources it owns: its provider deletes what it stands for,
        then it goes away. Refused while other resources depend on it (the error lists them).
        Deleting one that is already gone answers ``already_gone``."""
        document = await resources.delete_resource(
            context.database, context.wakeups, context.principal(), checked_id(resource_id)
        )
        if document is None:
            return DeletedResource(resource_id=resource_id, already_gone=True)
        return DeletedResource(
            resource_id=resource_id, already_gone=False, resource=ResourceDocument.model_validate(document)
        )
