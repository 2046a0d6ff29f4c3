"""``TraceContext``: a request's W3C ``traceparent`` header becomes the parent of the spans it
causes (an apply's); installed only when traces are exported (``pragma_sdk.tracing``)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from pragma_sdk import tracing

_HEADER_KEY = b"traceparent"


class TraceContext:
    """ASGI middleware: continues the trace a request's ``traceparent`` header names."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sent = None
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == _HEADER_KEY:
                    sent = value.decode("latin-1")
                    break
        with tracing.continued(sent):
            await self.app(scope, receive, send)
