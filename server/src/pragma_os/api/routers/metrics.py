"""``GET /metrics``: Prometheus metrics, open or behind the ``PRAGMA_METRICS_TOKEN`` bearer token."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Security
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pragma_os.api.deps import DatabaseDep, SettingsDep
from pragma_os.api.openapi import COMMON_ERRORS, error_responses
from pragma_os.api.routing import CheckedRoute
from pragma_os.errors import AuthenticationError
from pragma_os.services import metrics
from pragma_os.services.presence import WorkerPresence

router = APIRouter(tags=["metrics"], route_class=CheckedRoute, responses=error_responses(*COMMON_ERRORS))

METRICS_BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="MetricsToken",
    description="The server's metrics token (PRAGMA_METRICS_TOKEN), when it has one; not an API token",
)
"""Declares the metrics token in the document; ``_metrics_token`` reads and checks it."""

_REFUSED = "GET /metrics needs the metrics token (PRAGMA_METRICS_TOKEN) as Authorization: Bearer <token>."


async def _metrics_token(
    settings: SettingsDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(METRICS_BEARER)] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    """Refuse the scrape (401) when a metrics token is set and the request does not carry it."""
    if settings.metrics_token is None:
        return
    expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
    if authorization is None or not secrets.compare_digest(authorization.encode(), expected):
        raise AuthenticationError(_REFUSED, field="authorization")


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "Every metric in Prometheus's text format (docs/metrics.md lists them).",
        },
        **error_responses(
            401,
            descriptions={
                401: "The server has a metrics token (PRAGMA_METRICS_TOKEN) and the request lacks it."
            },
        ),
    },
    dependencies=[Depends(_metrics_token)],
    # Added to the token's requirement: none at all, when the server has no metrics token.
    openapi_extra={"security": [{}]},
)
async def get_metrics(request: Request, database: DatabaseDep) -> Response:
    """Counts and durations of reconciles, the queue, resources by state, workers, builds,
    deployments and HTTP requests, for Prometheus to scrape."""
    presence: WorkerPresence = request.app.state.dispatcher.presence
    return Response(await metrics.scrape(database, presence), media_type=metrics.CONTENT_TYPE)
