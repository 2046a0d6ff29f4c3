"""``CheckedRoute``, the route class of every router: a request's inputs are checked before
FastAPI reads them.

JSON bodies are parsed by ``json_body`` (strict: no ``NaN``, no duplicate keys, no integers
the store would not keep...). Path and query parameters must be UTF-8 once percent-decoded
(Starlette would quietly turn other bytes into U+FFFD) and hold no NUL character, which
PostgreSQL can neither store nor compare. Each refusal is a 422 naming the field.

Routing follows the paths of the OpenAPI document. A ``{name:path}`` parameter stands for one
segment that may hold an encoded ``/`` (``%2F``, refused by the name's rule with a 422), never
for several: ``DELETE /files/a/url`` is a method ``/files/{name}/url`` does not allow (405),
not the deletion of a file ``a/url``. A path without parameters is never taken for one with
them: ``DELETE /resources/types`` is a 405 too, not the deletion of a resource ``types``.
``allowed_methods`` gives the ``Allow`` header of a 405: every method of the path.
``authenticated_router`` makes the router of a group of routes that take a user's token.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import APIRouter, Request, Response, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.convertors import PathConvertor
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from pragma_os.api.json_body import NUL_RULE, MalformedJSONError, parse_json_body
from pragma_os.api.openapi import AUTHENTICATED_ERRORS, error_responses
from pragma_os.errors import InvalidInputError

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

UTF8_RULE = "must be UTF-8 text once percent-decoded"


class StrictJSONRequest(Request):
    """A request whose JSON body is parsed strictly (and once)."""

    _strict_json: Any

    async def json(self) -> Any:
        """The body's JSON value.

        Raises:
            MalformedJSONError: The body is not JSON.
            InvalidInputError: The body holds what the store would not keep as sent.
        """
        if not hasattr(self, "_strict_json"):
            self._strict_json = parse_json_body(await self.body())
        return self._strict_json


class CheckedRoute(APIRoute):
    """An ``APIRoute`` that refuses NUL in parameters and parses a JSON body strictly.

    The body is parsed before FastAPI's handler runs, so a broken rule is our 422 naming the
    field; FastAPI's own ``request.json()`` then gets the parsed value.
    """

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        takes_json = self.body_field is not None and not isinstance(self.body_field.field_info, params.Form)

        async def checked(request: Request) -> Response:
            _check_parameters(request)
            if not takes_json:
                return await handler(request)
            strict = StrictJSONRequest(request.scope, request.receive)
            if _is_json(strict.headers.get("content-type")):
                await _parse_body(strict)
            return await handler(strict)

        return checked

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is Match.NONE or not self.param_convertors:
            return match, child_scope
        static_paths: Mapping[str, str] = getattr(scope["app"].state, "allowed_methods", {})
        if scope["path"] in static_paths or _spans_segments(self, scope, child_scope.get("path_params", {})):
            return Match.NONE, {}
        return match, child_scope


def authenticated_router(prefix: str, tag: str) -> APIRouter:
    """A router of checked routes under ``prefix``, documented under ``tag`` with the errors
    any route taking a token may answer."""
    return APIRouter(
        prefix=prefix, tags=[tag], route_class=CheckedRoute, responses=error_responses(*AUTHENTICATED_ERRORS)
    )


def _spans_segments(route: APIRoute, scope: Scope, path_params: dict[str, Any]) -> bool:
    """Whether a ``{name:path}`` parameter took a ``/`` the client sent as a separator.

    The path is decoded before routing, so a ``/`` of a parameter is either one of the
    ``%2F`` of the raw path or a separator: more of them than the raw path encodes means a
    separator.
    """
    raw_path: bytes | None = scope.get("raw_path")
    if raw_path is None:
        return False
    slashes = sum(
        str(path_params.get(name, "")).count("/")
        for name, convertor in route.param_convertors.items()
        if isinstance(convertor, PathConvertor)
    )
    path: str = scope["path"]
    return slashes > path.count("/") - raw_path.count(b"/")


def allowed_methods(routes: Iterable[BaseRoute]) -> dict[str, str]:
    """The ``Allow`` header of each route path (as ``/files/{name}``): the methods of all its routes."""
    methods: dict[str, set[str]] = {}
    for route in routes:
        if isinstance(route, APIRoute) and route.methods:
            methods.setdefault(route.path_format, set()).update(route.methods)
    return {path: ", ".join(sorted(allowed)) for path, allowed in methods.items()}


def _check_parameters(request: Request) -> None:
    """Refuse path and query parameters that are not UTF-8 or hold NUL (both only arrive
    percent-encoded, so requests without ``%`` skip the work)."""
    raw_path: bytes = request.scope.get("raw_path") or b""
    if b"%" in raw_path:
        if not _is_utf8(unquote_to_bytes(raw_path)):
            replaced = [name for name, value in request.path_params.items() if "\ufffd" in str(value)]
            raise InvalidInputError(replaced[0] if replaced else "path", UTF8_RULE)
        for name, value in request.path_params.items():
            if isinstance(value, str) and "\x00" in value:
                raise InvalidInputError(name, NUL_RULE)
    query: bytes = request.scope["query_string"]
    if b"%" in query:
        for pair in query.split(b"&"):
            raw_name, _, raw_value = pair.partition(b"=")
            key, text = (unquote_to_bytes(part.replace(b"+", b" ")) for part in (raw_name, raw_value))
            shown = key.decode("utf-8", "backslashreplace").replace("\x00", "\\u0000")
            if not (_is_utf8(key) and _is_utf8(text)):
                raise InvalidInputError(shown, UTF8_RULE)
            if b"\x00" in key or b"\x00" in text:
                raise InvalidInputError(shown, NUL_RULE)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_json(content_type: str | None) -> bool:
    """As FastAPI decides to parse a body as JSON: ``application/json`` or ``application/*+json``."""
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    maintype, _, subtype = media_type.partition("/")
    return maintype == "application" and (subtype == "json" or subtype.endswith("+json"))


async def _parse_body(request: StrictJSONRequest) -> None:
    try:
        if not await request.body():
            return
    except ClientDisconnect:
        # Nobody reads the answer; FastAPI answers a body it could not read the same way.
        raise HTTPException(status_code=400, detail="The client went away while sending the body.") from None
    try:
        await request.json()
    except MalformedJSONError as error:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body",),
                    "msg": "JSON decode error",
                    "ctx": {"error": str(error)},
                }
            ]
        ) from None
