"""``/audit``: the organization's record of who applied, deleted, revealed, pushed, deployed,
rolled back and retried what."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from pragma_os.api.deps import CurrentPrincipal, DatabaseDep
from pragma_os.api.openapi import paged_answer
from pragma_os.api.responses import FastJSONResponse
from pragma_os.api.routing import authenticated_router
from pragma_os.services import audit
from pragma_sdk.models import AuditAction, AuditEvent

router = authenticated_router("/audit", "audit")

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
CURSOR_PATTERN = "^[0-9]{1,19}$"


@router.get(
    "",
    response_model=list[AuditEvent],
    responses=paged_answer("Audit entries, newest first", {"pattern": CURSOR_PATTERN}),
)
async def list_audit_events(
    principal: CurrentPrincipal,
    database: DatabaseDep,
    action: Annotated[AuditAction | None, Query(description="Only entries of this action")] = None,
    limit: Annotated[
        int,
        Query(ge=1, le=MAX_PAGE_SIZE, description="Page size; the next page's cursor is in X-Next-Cursor"),
    ] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None,
        Query(
            description="X-Next-Cursor of the previous page (the page starts after that entry)",
            pattern=CURSOR_PATTERN,
        ),
    ] = None,
) -> FastJSONResponse:
    """Who did what in the organization, newest first: applies that changed a resource,
    deletions, secret reveals, pushes, deployments, rollbacks, provider deletions and dead
    letter retries and discards."""
    page = await audit.list_audit(database, principal, cursor=cursor, limit=limit, action=action)
    headers = {"X-Next-Cursor": page.next_cursor} if page.next_cursor else None
    return FastJSONResponse(page.entries, headers=headers)
