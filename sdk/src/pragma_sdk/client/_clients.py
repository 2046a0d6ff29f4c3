"""``PragmaClient`` and ``AsyncPragmaClient``: the same calls, sent sync or async."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import httpx

from pragma_sdk.client._base import DEFAULT_TIMEOUT, DISCOVER, ClientSettings, _Unset
from pragma_sdk.client._calls import PragmaCalls
from pragma_sdk.client._operation import Call, drive_async, drive_sync


class PragmaClient(PragmaCalls):
    """Synchronous client for the Pragmatiks API. Use it as a context manager.

    Args:
        base_url: API URL; default ``PRAGMA_API_URL``, the context's ``api_url`` or
            ``http://localhost:8000``.
        timeout: Request timeout in seconds.
        auth_token: Bearer token. Omit it to discover one; pass ``None`` for no auth.
        context: Named context for token lookup (default ``PRAGMA_CONTEXT`` or the config's
            ``current_context``).
        require_auth: Raise ``ValueError`` when no token is found.
    """

    def __init__(
        self,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        auth_token: str | _Unset | None = DISCOVER,
        context: str | None = None,
        require_auth: bool = False,
    ) -> None:
        self._settings = ClientSettings(base_url, timeout, auth_token, context, require_auth)
        self._http: httpx.Client = httpx.Client(
            base_url=self._settings.base_url,
            timeout=timeout,
            headers=self._settings.headers,
        )

    @property
    def base_url(self) -> str:
        """The API URL this client talks to."""
        return self._settings.base_url

    def _drive(self, call: Call[Any]) -> Any:
        return drive_sync(self._http, call)

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncPragmaClient(PragmaCalls):
    """Asynchronous client with the same calls as ``PragmaClient``; every call is awaited.

    Takes the same arguments as ``PragmaClient``.
    """

    def __init__(
        self,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        auth_token: str | _Unset | None = DISCOVER,
        context: str | None = None,
        require_auth: bool = False,
    ) -> None:
        self._settings = ClientSettings(base_url, timeout, auth_token, context, require_auth)
        self._http: httpx.AsyncClient = httpx.AsyncClient(
            base_url=self._settings.base_url,
            timeout=timeout,
            headers=self._settings.headers,
        )

    @property
    def base_url(self) -> str:
        """The API URL this client talks to."""
        return self._settings.base_url

    def _drive(self, call: Call[Any]) -> Any:
        return drive_async(self._http, call)

    async def close(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
