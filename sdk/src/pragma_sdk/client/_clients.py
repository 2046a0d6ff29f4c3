"""``PragmaClient`` and ``AsyncPragmaClient``: the same calls, sent sync or async.

Every call is defined once (``_calls.py``, ``_files.py``, ``_streams.py``); each client only
says how it sends a request and reads an open answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

import httpx

from pragma_sdk.client._base import DEFAULT_TIMEOUT, DISCOVER, ClientSettings, _Unset, raise_for_status
from pragma_sdk.client._calls import PragmaCalls
from pragma_sdk.client._operation import Call, Follow, drive_async, drive_sync
from pragma_sdk.client._streams import StreamCalls

T = TypeVar("T")


class _Client(PragmaCalls, StreamCalls):
    """Settings and the ``httpx`` client of either kind; the arguments are ``PragmaClient``'s."""

    _http_class: ClassVar[type[httpx.Client] | type[httpx.AsyncClient]]

    def __init__(
        self,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        auth_token: str | _Unset | None = DISCOVER,
        context: str | None = None,
        require_auth: bool = False,
    ) -> None:
        """Resolve the URL and token, then open the ``httpx`` client; see the class docstring."""
        self._settings = ClientSettings(base_url, timeout, auth_token, context, require_auth)
        self._http = self._http_class(
            base_url=self._settings.base_url,
            timeout=timeout,
            headers=self._settings.headers,
            **self._http_options(),
        )

    def _http_options(self) -> dict[str, Any]:
        """More arguments for the ``httpx`` client (a subclass's transport, for one)."""
        return {}

    @property
    def base_url(self) -> str:
        """The API URL this client talks to."""
        return self._settings.base_url


class PragmaClient(_Client):
    """Synchronous client for the Pragmatiks API. Use it as a context manager.

    Args:
        base_url: API URL; default ``PRAGMA_API_URL``, the context's ``api_url`` or
            ``http://localhost:8000``.
        timeout: Request timeout in seconds.
        auth_token: Bearer token. Omit it to discover one; pass ``None`` for no auth.
        context: Named context for token lookup (default ``PRAGMA_CONTEXT`` or the config's
            ``current_context``).
        require_auth: Raise ``ValueError`` when no token is found.

    Every call raises ``PragmaAPIError`` (an ``httpx.HTTPStatusError``) for an error answer
    and ``httpx.TransportError`` when the API cannot be reached.
    """

    _http_class = httpx.Client
    _http: httpx.Client

    def _drive(self, call: Call[Any]) -> Any:
        return drive_sync(self._http, call)

    def _follow(self, follow: Follow[T]) -> Generator[T, None, None]:
        with self._stream(follow.request) as response:
            for line in response.iter_lines():
                yield from follow.feed(line)

    def _first(self, follow: Follow[T]) -> T:
        # No way to interrupt a blocking read: the request's read timeout and the feed's own
        # deadline check bound the wait.
        try:
            with contextlib.closing(self._follow(follow)) as items:
                for item in items:
                    return item
        except httpx.ReadTimeout:
            pass
        raise follow.gave_up()

    @contextlib.contextmanager
    def _stream(self, request: httpx.Request) -> Iterator[httpx.Response]:
        """Send ``request`` and hand back the open response; an error answer raises."""
        response = self._http.send(request, stream=True)
        try:
            raise_for_status(response)
            yield response
        finally:
            response.close()

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


class AsyncPragmaClient(_Client):
    """Asynchronous client with the same calls as ``PragmaClient``; every call is awaited.

    Takes the same arguments as ``PragmaClient``; use it as an async context manager.
    """

    _http_class = httpx.AsyncClient
    _http: httpx.AsyncClient

    def _drive(self, call: Call[Any]) -> Any:
        return drive_async(self._http, call)

    async def _follow(self, follow: Follow[T]) -> AsyncGenerator[T, None]:
        async with self._stream(follow.request) as response:
            async for line in response.aiter_lines():
                for item in follow.feed(line):
                    yield item

    async def _first(self, follow: Follow[T]) -> T:
        try:
            async with asyncio.timeout(follow.timeout), contextlib.aclosing(self._follow(follow)) as items:
                async for item in items:
                    return item
        except (TimeoutError, httpx.ReadTimeout):
            pass
        raise follow.gave_up()

    @contextlib.asynccontextmanager
    async def _stream(self, request: httpx.Request) -> AsyncIterator[httpx.Response]:
        """Send ``request`` and hand back the open response; an error answer raises."""
        response = await self._http.send(request, stream=True)
        try:
            if not response.is_success:
                await response.aread()
            raise_for_status(response)
            yield response
        finally:
            await response.aclose()

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
