"""``GET /health``: is the API up and its database reachable."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError

from pragma_os.api.deps import DatabaseDep
from pragma_os.api.openapi import COMMON_ERRORS, error_responses
from pragma_os.api.responses import FastJSONResponse
from pragma_os.api.routing import CheckedRoute
from pragma_os.services import health

router = APIRouter(tags=["health"], route_class=CheckedRoute, responses=error_responses(*COMMON_ERRORS))


@router.get(
    "/health",
    response_model=dict[str, str],
    responses={
        503: {
            "model": dict[str, str],
            "description": 'The database does not answer: {"status": "unavailable"}',
        }
    },
)
async def get_health(database: DatabaseDep) -> FastJSONResponse:
    """``{"status": "ok"}`` when the API and its database answer; 503 otherwise."""
    try:
        await health.check(database)
    except (SQLAlchemyError, OSError):
        return FastJSONResponse({"status": "unavailable"}, status_code=503)
    return FastJSONResponse({"status": "ok"})
