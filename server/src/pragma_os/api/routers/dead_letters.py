"""``/ops/dead-letter``: inspect, retry and discard events that failed for good."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from pragma_os.api.deps import CurrentPrincipal, DatabaseDep, WakeupsDep
from pragma_os.api.openapi import ProviderFilter, error_responses
from pragma_os.api.responses import FastJSONResponse
from pragma_os.api.routing import authenticated_router
from pragma_os.services import dead_letters
from pragma_sdk.models import ProviderName

router = authenticated_router("/ops/dead-letter", "ops")
_NOT_FOUND = error_responses(404, descriptions={404: "No such dead letter event"})


@router.get("", response_model=list[dict[str, Any]])
async def list_dead_letter_events(
    principal: CurrentPrincipal, database: DatabaseDep, provider: ProviderFilter = None
) -> FastJSONResponse:
    """Dead letter events, newest first."""
    return FastJSONResponse(await dead_letters.list_dead_letters(database, principal, provider))


@router.delete(
    "",
    response_model=dict[str, int],
    responses=error_responses(
        400, descriptions={400: "Neither all=true nor a provider: say which to delete"}
    ),
)
async def bulk_delete_dead_letter_events(
    principal: CurrentPrincipal,
    database: DatabaseDep,
    all: Annotated[bool | None, Query(description="Delete all events")] = None,  # noqa: A002
    provider: Annotated[ProviderName | None, Query(description="Delete events for specific provider")] = None,
) -> FastJSONResponse:
    """Discard the dead letters of a provider, or all of them with ``all=true``."""
    count = await dead_letters.delete_dead_letters(database, principal, provider, bool(all))
    return FastJSONResponse({"deleted_count": count})


@router.post("/retry-all", response_model=dict[str, int])
async def retry_all_dead_letter_events(
    principal: CurrentPrincipal, database: DatabaseDep, wakeups: WakeupsDep
) -> FastJSONResponse:
    """Queue every dead letter event again."""
    count = await dead_letters.retry_all_dead_letters(database, wakeups, principal)
    return FastJSONResponse({"retried_count": count})


@router.get("/{event_id}", response_model=dict[str, Any], responses=_NOT_FOUND)
async def get_dead_letter_event(
    event_id: str, principal: CurrentPrincipal, database: DatabaseDep
) -> FastJSONResponse:
    """One dead letter event."""
    return FastJSONResponse(await dead_letters.get_dead_letter(database, principal, event_id))


@router.delete("/{event_id}", status_code=204)
async def delete_dead_letter_event(
    event_id: str, principal: CurrentPrincipal, database: DatabaseDep
) -> Response:
    """Discard one dead letter event; 204 whether or not it still existed."""
    await dead_letters.delete_dead_letter(database, principal, event_id)
    return Response(status_code=204)


@router.post("/{event_id}/retry", response_model=dict[str, Any], responses=_NOT_FOUND)
async def retry_dead_letter_event(
    event_id: str, principal: CurrentPrincipal, database: DatabaseDep, wakeups: WakeupsDep
) -> FastJSONResponse:
    """Queue a dead letter event again; its resource goes back to ``pending``."""
    return FastJSONResponse(await dead_letters.retry_dead_letter(database, wakeups, principal, event_id))
