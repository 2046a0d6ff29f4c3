"""``BearerGate``: the MCP endpoint admits a request only with a user's API token.

It answers as the API does without a valid token (401, ``{"detail": {"message": ...}}`` and
``WWW-Authenticate: Bearer``) and refuses worker tokens (403); an admitted request carries its
``Principal`` in the scope's ``state``, where every tool reads it, so each tool call is scoped
to the token's organization by the services it calls.
"""

from __future__ import annotations

import orjson
from starlette.datastructures import Headers, State
from starlette.types import ASGIApp, Receive, Scope, Send

from pragma_os.auth import Authenticator
from pragma_os.errors import AuthenticationError, ForbiddenError, PragmaError
from pragma_os.mcp.context import PRINCIPAL_KEY
from pragma_sdk.log_format import bind_log_fields, unbind_log_fields

WORKER_TOKEN_REFUSED = (
    "A worker token may only be used on the /workers routes of its providers; "
    "connect the MCP server with a user's API token."
)


class BearerGate:
    """ASGI middleware in front of the MCP app: authenticate, then pass the caller on."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self._state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authenticator: Authenticator = self._state.authenticator
        try:
            principal = await authenticator.authenticate(Headers(scope=scope).get("authorization"))
            if principal.is_worker:
                raise ForbiddenError(WORKER_TOKEN_REFUSED)
        except PragmaError as error:
            await _refuse(error, send)
            return
        admitted = {**scope, "state": {**scope.get("state", {}), PRINCIPAL_KEY: principal}}
        token = bind_log_fields(organization=principal.organization_name)
        try:
            await self.app(admitted, receive, send)
        finally:
            unbind_log_fields(token)


async def _refuse(error: PragmaError, send: Send) -> None:
    """The API's answer to ``error``: its status, ``{"detail": ...}``, and the challenge on a 401."""
    body = orjson.dumps({"detail": error.detail})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if isinstance(error, AuthenticationError):
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
