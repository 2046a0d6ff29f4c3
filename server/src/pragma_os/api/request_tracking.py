"""``RequestTracking``: the first of the server's ASGI layers every HTTP request goes through.

It gives the request its id (the log context and the response's ``X-Request-ID``,
``api/request_ids.py``) and counts and times it (``api/http_metrics.py``). One layer with one
wrapped ``send`` for both, since every layer costs every request a few microseconds.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pragma_os.api.http_metrics import observe_request
from pragma_os.api.request_ids import HEADER_KEY, request_id_of
from pragma_sdk.log_format import bind_log_fields, unbind_log_fields


class RequestTracking:
    """ASGI middleware: the request id and the HTTP metrics of every request.

    Plain ASGI rather than ``BaseHTTPMiddleware``: it adds one header to the response's start
    message and nothing else to the request path (no extra task, no body streaming through it).
    Outermost of the server's own layers, it sees every answer, the errors' too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope["headers"])
        header = (HEADER_KEY, request_id.encode("ascii"))
        status = 500

        async def tracked_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = bind_log_fields(request_id=request_id)
        try:
            await self.app(scope, receive, tracked_send)
        finally:
            unbind_log_fields(token)
            observe_request(scope, status, time.perf_counter() - started)
