"""Request ids: every request gets one, its log lines carry it, and its response returns it.

A client's ``X-Request-ID`` is kept when it is 1 to 200 printable ASCII characters; anything
else (missing, too long, control or non-ASCII characters) is replaced by a new id, never
refused. An apply records it on the event it queues, so the worker's lines for that event
carry it too.
"""

from __future__ import annotations

import os

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pragma_sdk.log_format import bind_log_fields, unbind_log_fields

HEADER = "X-Request-ID"
MAX_LENGTH = 200
_HEADER_KEY = b"x-request-id"
# Printable ASCII, space to tilde.
_PRINTABLE = frozenset(range(0x20, 0x7F))


def new_request_id() -> str:
    """A fresh id: 32 hexadecimal digits."""
    return os.urandom(16).hex()


def accepted_request_id(value: bytes | None) -> str | None:
    """``value`` as a request id, or ``None`` when it breaks the rule (see the module docstring)."""
    if not value or len(value) > MAX_LENGTH or not _PRINTABLE.issuperset(value):
        return None
    return value.decode("ascii")


class RequestIds:
    """ASGI middleware: sets the request id in the log context and the response's ``X-Request-ID``.

    Plain ASGI rather than ``BaseHTTPMiddleware``: it adds one header to the response's start
    message and nothing else to the request path (no extra task, no body streaming through it).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = None
        for name, value in scope["headers"]:
            if name == _HEADER_KEY:
                sent = value
                break
        request_id = accepted_request_id(sent) or new_request_id()
        header = (_HEADER_KEY, request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = bind_log_fields(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            unbind_log_fields(token)
