"""Maps exceptions to HTTP responses, once, at the edge.

An exception no handler maps is a 500 answered by ``UnexpectedErrors``, which leaves the
connection usable: Starlette's own last-resort handler re-raises after answering, and uvicorn
then closes the connection, resetting the client's next request on it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pragma_os.api.responses import FastJSONResponse
from pragma_os.errors import AuthenticationError, PragmaError

logger = logging.getLogger("pragma_os.api")


def _validation_entry(error: dict[str, Any]) -> dict[str, Any]:
    """One validation error, without echoing the input back (it may hold secrets)."""
    location = list(error.get("loc", ()))
    kind = str(error.get("type", "value_error"))
    message = str(error.get("msg", "invalid"))
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        message = (
            f"Request body is not valid JSON ({reason})." if reason else "Request body is not valid JSON."
        )
        location = ["body"]
    elif location == ["body"] and kind in ("model_attributes_type", "dict_type", "missing"):
        message = "Request body must be a JSON object; send it with Content-Type: application/json."
    elif kind == "extra_forbidden":
        message = f"Unknown field '{location[-1]}' is not allowed."
    elif kind.startswith("value_error") and message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return {"loc": location, "msg": message, "type": kind}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a clear JSON response."""

    @app.exception_handler(PragmaError)
    async def domain_error(_request: Request, error: PragmaError) -> FastJSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, AuthenticationError) else None
        return FastJSONResponse({"detail": error.detail}, status_code=error.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> FastJSONResponse:
        entries = [_validation_entry(dict(item)) for item in error.errors()]
        return FastJSONResponse({"detail": entries}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> FastJSONResponse:
        headers = error.headers
        if error.status_code == 405:
            # Starlette names the methods of the one route it tried; the path may have more.
            path = getattr(request.scope.get("route"), "path_format", None)
            allow: dict[str, str] = request.app.state.allowed_methods
            if path in allow:
                headers = {**(headers or {}), "Allow": allow[path]}
        return FastJSONResponse(
            {"detail": {"message": str(error.detail)}}, status_code=error.status_code, headers=headers
        )


class UnexpectedErrors:
    """Answer 500 to an exception no handler took, and log it; the connection stays open.

    When the response had started, only closing the connection can tell the client it is
    incomplete: the exception goes on to uvicorn, which does that. After a complete response
    (a failing background task) there is nothing to tell.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = complete = False

        async def tracking_send(message: Message) -> None:
            nonlocal started, complete
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                complete = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logger.exception("Unhandled error on %s %s", scope["method"], scope["path"])
            if not started:
                response = FastJSONResponse(
                    {"detail": {"message": "Internal server error; the server log has the details."}},
                    status_code=500,
                )
                await response(scope, receive, send)
            elif not complete:
                raise
