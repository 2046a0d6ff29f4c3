"""What both clients share and that needs no I/O: settings, request building, error mapping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any, Final, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from pragma_sdk import credentials
from pragma_sdk.errors import PragmaAPIError

DEFAULT_TIMEOUT: Final = 10.0
M = TypeVar("M", bound=BaseModel)


class _Unset:
    def __repr__(self) -> str:
        return "<discover>"


DISCOVER: Final = _Unset()
"""Default of ``auth_token``: find the token in the environment or the credentials file."""


class ClientSettings:
    """Base URL, headers and timeout resolved from arguments, environment and config files."""

    def __init__(
        self,
        base_url: str | None,
        timeout: float,
        auth_token: str | _Unset | None,
        context: str | None,
        require_auth: bool,
    ) -> None:
        self.context = credentials.current_context(context)
        self.base_url = (base_url or credentials.api_url(self.context)).rstrip("/")
        self.timeout = timeout
        token = credentials.discover_token(self.context) if auth_token is DISCOVER else auth_token
        if require_auth and not token:
            raise ValueError(credentials.missing_token_message(self.context))
        self.auth_token: str | None = token if isinstance(token, str) and token else None

    @property
    def headers(self) -> dict[str, str]:
        """Headers sent with every request."""
        headers = {"Accept": "application/json", "User-Agent": "pragmatiks-sdk"}
        if self.auth_token:
            headers["Authorization"] = f"Bearer {self.auth_token}"
        return headers


def raise_for_status(response: httpx.Response) -> None:
    """Raise ``PragmaAPIError`` (``NotFoundError``, ``ConflictError``) for a 4xx or 5xx answer."""
    if response.is_success or response.is_redirect:
        return
    if not response.is_closed:
        response.read()
    raise PragmaAPIError.from_response(response)


def response_json(response: httpx.Response) -> Any:
    """The body of a successful response as JSON; ``PragmaAPIError`` for a 4xx or 5xx."""
    raise_for_status(response)
    return response.json()


def response_model(response: httpx.Response, model: type[M]) -> M:
    """The body of a successful response as ``model``, parsed by pydantic straight from its
    bytes; ``PragmaAPIError`` for a 4xx or 5xx."""
    raise_for_status(response)
    return model.model_validate_json(response.content)


def path_segment(value: str) -> str:
    """``value`` as one path segment, so a ``/``, ``?`` or ``#`` in it cannot reach another URL."""
    return quote(value, safe="")


FileContent = bytes | IO[bytes]
"""What an upload sends: the bytes, or a binary file object read in chunks."""


class RequestBuilder:
    """Builds requests with the client's ``httpx`` settings; every call definition uses it."""

    _settings: ClientSettings
    _http: httpx.Client | httpx.AsyncClient

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        model: BaseModel | None = None,
        files: Mapping[str, tuple[str, FileContent, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> httpx.Request:
        """A request of the client; its body ``json`` (any JSON value) or ``model``, sent as
        pydantic encodes it (in Rust: the worker protocol's bodies go this way)."""
        if params:
            params = {key: value for key, value in params.items() if value is not None}
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        if model is not None:
            extra["content"] = model.__pydantic_serializer__.to_json(model)
            headers = {**(headers or {}), "Content-Type": "application/json"}
        return self._http.build_request(
            method, path, params=params, json=json, files=files, headers=headers, **extra
        )
