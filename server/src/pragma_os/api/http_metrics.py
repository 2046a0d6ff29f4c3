"""Counts and times every HTTP request by method, route template and status."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pragma_os.observability.metrics import http_requests, http_seconds

UNMATCHED = "unmatched"
"""The route of a request no route matched (a 404 for an unknown path), so raw paths never
become label values."""


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
"""The method label of any other method a client sends, which must not add series."""


class HTTPMetrics:
    """Observe each request once its answer is sent: its route's template (``scope["route"]``,
    set by routing) rather than its path, so that the series stay few."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            method = scope["method"] if scope["method"] in _METHODS else OTHER_METHOD
            http_requests(method, template, str(status)).inc()
            http_seconds(method, template).observe(time.perf_counter() - started)
