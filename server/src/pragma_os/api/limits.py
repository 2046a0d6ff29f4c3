"""Request body size limit, enforced before the body reaches a parser."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pragma_os.api.responses import FastJSONResponse


class BodySizeLimit:
    """Answer 413 to bodies over ``max_bytes``, by ``Content-Length`` or as they stream in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0
        rejected = False

        async def counting_receive() -> Message:
            nonlocal received, rejected
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes and not rejected:
                    rejected = True
                    await self._reject(scope, receive, send)
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

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = FastJSONResponse(
            {
                "detail": {
                    "message": f"Request body is larger than the limit of {self.max_bytes} bytes.",
                    "field": "body",
                    "limit_bytes": self.max_bytes,
                }
            },
            status_code=413,
        )
        await response(scope, receive, send)
