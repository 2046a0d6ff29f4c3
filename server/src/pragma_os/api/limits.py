"""Request body size limit, enforced before the body reaches a parser."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pragma_os.api.responses import FastJSONResponse


class BodySizeLimit:
    """Answer 413 to bodies over the limit, by ``Content-Length`` or as they stream in.

    ``limit_for`` gives the limit of a request path (uploads allow more than JSON calls).
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await _reject(max_bytes, scope, receive, send)
            return
        received = 0
        rejected = False

        async def counting_receive() -> Message:
            nonlocal received, rejected
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes and not rejected:
                    rejected = True
                    await _reject(max_bytes, scope, receive, send)
            # Once rejected, the app sees a client that went away: it stops reading and
            # whatever it tries to send is dropped below.
            return {"type": "http.disconnect"} if rejected else message

        async def guarded_send(message: Message) -> None:
            if not rejected:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not rejected:
                raise


async def _reject(max_bytes: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = FastJSONResponse(
        {
            "detail": {
                "message": f"Request body is larger than the limit of {max_bytes} bytes.",
                "field": "body",
                "limit_bytes": max_bytes,
            }
        },
        status_code=413,
    )
    await response(scope, receive, send)
