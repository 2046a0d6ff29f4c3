"""Counting and timing every HTTP request by method, route template and status."""

from __future__ import annotations

from starlette.types import Scope

from pragma_os.observability.metrics import http_requests, http_seconds

UNMATCHED = "unmatched"
"""The route of a request no route matched (a 404 for an unknown path), so raw paths never
become label values."""


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
"""The method label of any other method a client sends, which must not add series."""


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    """Count an answered request and its time, by its route's template (``scope["route"]``, set
    by routing) rather than its path, so that the series stay few."""
    route = scope.get("route")
    template = getattr(route, "path", None) or UNMATCHED
    method = scope["method"] if scope["method"] in _METHODS else OTHER_METHOD
    http_requests(method, template, str(status)).inc()
    http_seconds(method, template).observe(seconds)
