"""Dead-letter tools: list, read, retry (one or all) and discard events that failed for good.

Each calls the use case the ``/ops/dead-letter`` routes call, with the caller's ``Principal``.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations
from pydantic import Field

from pragma_os.mcp.context import ToolContext
from pragma_os.mcp.errors import tool_errors
from pragma_os.mcp.models import DeadLetter, DeadLetterList, DeletedDeadLetter, RetriedCount, RetriedEvent
from pragma_os.services import dead_letters

READ_ONLY = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
RETRYING = ToolAnnotations(readOnlyHint=False, destructiveHint=False, openWorldHint=True)
DISCARDING = ToolAnnotations(
    readOnlyHint=False, destructiveHint=True, idempotentHint=True, openWorldHint=False
)

EventIdArgument = Annotated[
    str,
    Field(
        min_length=1, max_length=128, description="The dead letter's event_id, as list_dead_letters gives it"
    ),
]


def register(server: FastMCP[Any], context: ToolContext) -> None:
    """Add the dead-letter tools to ``server``."""

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def list_dead_letters(
        provider: Annotated[str | None, Field(description="Only this provider's")] = None,
    ) -> DeadLetterList:
        """List the events that failed for good (a permanent error, or retries exhausted),
        newest first: the resource, the event type, the error and traceback, the attempts.
        Their resources are ``failed``; fix the cause, then retry_dead_letter."""
        rows = await dead_letters.list_dead_letters(context.database, context.principal(), provider)
        return DeadLetterList(dead_letters=[DeadLetter.model_validate(row) for row in rows])

    @server.tool(annotations=READ_ONLY)
    @tool_errors
    async def get_dead_letter(event_id: EventIdArgument) -> DeadLetter:
        """Get one dead letter: its resource, the payload the handler got (secrets redacted),
        the error and the handler's traceback."""
        row = await dead_letters.get_dead_letter(context.database, context.principal(), event_id)
        return DeadLetter.model_validate(row)

    @server.tool(annotations=RETRYING)
    @tool_errors
    async def retry_dead_letter(event_id: EventIdArgument) -> RetriedEvent:
        """Queue a dead letter's event again: its resource goes back to ``pending`` and its
        provider runs the handler anew. Follow it with get_resource_status."""
        event = await dead_letters.retry_dead_letter(
            context.database, context.wakeups, context.principal(), event_id
        )
        return RetriedEvent.model_validate({**event, "resource_id": event["correlation_id"]})

    @server.tool(annotations=RETRYING)
    @tool_errors
    async def retry_all_dead_letters() -> RetriedCount:
        """Queue every dead letter of the organization again; answers how many."""
        count = await dead_letters.retry_all_dead_letters(
            context.database, context.wakeups, context.principal()
        )
        return RetriedCount(retried_count=count)

    @server.tool(annotations=DISCARDING)
    @tool_errors
    async def delete_dead_letter(event_id: EventIdArgument) -> DeletedDeadLetter:
        """Discard a dead letter without retrying it (its resource stays ``failed``).
        Discarding one that is already gone is no error."""
        await dead_letters.delete_dead_letter(context.database, context.principal(), event_id)
        return DeletedDeadLetter(event_id=event_id)
