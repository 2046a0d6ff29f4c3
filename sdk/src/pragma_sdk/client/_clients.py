"""``PragmaClient`` and ``AsyncPragmaClient``: the same calls, sent sync or async."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any, Self

import httpx

from pragma_sdk.client._base import DEFAULT_TIMEOUT, DISCOVER, ClientSettings, _Unset, raise_for_status
from pragma_sdk.client._calls import PragmaCalls, ResourceT, parse_document
from pragma_sdk.client._operation import Call, drive_async, drive_sync
from pragma_sdk.client._watch import SSEParser, WatchEvent, settled, watch_params

# A watch stays open; it only gives up when the server is silent past its keepalives.
_STREAM_TIMEOUT = httpx.Timeout(10.0, read=60.0)


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

    def watch_resources(
        self,
        provider: str | None = None,
        resource: str | None = None,
        name: str | None = None,
        *,
        snapshot: bool = True,
        last_event_id: str | None = None,
    ) -> Iterator[WatchEvent]:
        """Stream resource changes as they happen (server-sent events).

        Starts with the current state of matching resources when ``snapshot``; pass the ``id``
        of the last event seen as ``last_event_id`` to resume after it.
        """
        headers = {"Last-Event-ID": last_event_id} if last_event_id else None
        params = watch_params(provider, resource, name, snapshot)
        with self._http.stream(
            "GET", "/resources/watch", params=params, headers=headers, timeout=_STREAM_TIMEOUT
        ) as response:
            raise_for_status(response)
            parser = SSEParser()
            for line in response.iter_lines():
                if (event := parser.feed(line)) is not None:
                    yield event

    @contextlib.contextmanager
    def stream_build_logs(self, provider_id: str, version: str) -> Iterator[httpx.Response]:
        """Stream a build's logs as they are written; the response stays open while it runs.

        Use it as a context manager and read ``response.iter_lines()``; leaving the block
        closes the stream.

        Args:
            provider_id: The provider's name.
            version: The build's CalVer version, such as ``"20250115.120000"``.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such build.
        """
        with self._stream(self._build_logs_request(provider_id, version)) as response:
            yield response

    def stream_provider_logs(
        self,
        provider_id: str,
        version: str | None = None,
        *,
        build: bool = False,
        follow: bool = False,
        tail: int | None = None,
    ) -> Iterator[str]:
        """Yield the lines of a provider's log: what its workers printed, or its build log.

        Worker lines start with the time and the worker's id; secret values of your
        organization show as ``[redacted]``. Leaving the loop closes the stream.

        Args:
            provider_id: The provider's name.
            version: Whose logs; default the deployed version, else the latest build.
            build: Read the version's build log instead of its workers' log.
            follow: Keep yielding new lines as they are printed: for a build until it ends,
                for workers until you stop iterating.
            tail: Start with only the last this many lines.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such provider or version, or nothing
                was logged yet (at the first iteration).

        Example:
            for line in client.stream_provider_logs("mycloud", tail=20, follow=True):
                print(line)
        """
        request = self._provider_logs_request(provider_id, version, build, follow, tail)
        with self._stream(request) as response:
            yield from response.iter_lines()

    @contextlib.contextmanager
    def stream_file(self, name: str) -> Iterator[httpx.Response]:
        """Download a file as a stream, without holding it in memory.

        Use it as a context manager and read ``response.iter_bytes()``; the headers carry
        ``Content-Length``, ``Content-Type`` and ``X-Checksum-Sha256``.

        Raises:
            httpx.HTTPStatusError: 404 when there is no such file.
        """
        with self._stream(self._file_download_request(name)) as response:
            yield response

    @contextlib.contextmanager
    def _stream(self, request: httpx.Request) -> Iterator[httpx.Response]:
        """Send ``request`` and hand back the open response; an error answer raises."""
        response = self._http.send(request, stream=True)
        try:
            raise_for_status(response)
            yield response
        finally:
            response.close()

    def wait_ready(
        self,
        provider: str,
        resource: str,
        name: str,
        *,
        timeout: float = 60.0,
        model: type[ResourceT] | None = None,
    ) -> ResourceT | dict[str, Any]:
        """Wait until a resource is ``ready`` and return it; watches, never polls.

        Raises:
            TimeoutError: Not ready within ``timeout`` seconds.
            ResourceFailedError: It ended in ``failed`` or was deleted.
        """
        path = f"{provider}/{resource}/{name}"
        deadline = time.monotonic() + timeout
        with self._http.stream(
            "GET",
            "/resources/watch",
            params=watch_params(provider, resource, name, True),
            timeout=httpx.Timeout(self._settings.timeout, read=max(timeout, 0.001)),
        ) as response:
            raise_for_status(response)
            parser = SSEParser()
            try:
                for line in response.iter_lines():
                    event = parser.feed(line)
                    if event is not None and (document := settled(event, path)) is not None:
                        return parse_document(document, model)
                    if time.monotonic() > deadline:
                        break
            except httpx.ReadTimeout:
                pass
        raise TimeoutError(f"{path} was not ready within {timeout:g} s")

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

    async def watch_resources(
        self,
        provider: str | None = None,
        resource: str | None = None,
        name: str | None = None,
        *,
        snapshot: bool = True,
        last_event_id: str | None = None,
    ) -> AsyncIterator[WatchEvent]:
        """Stream resource changes as they happen (server-sent events); see ``PragmaClient``."""
        headers = {"Last-Event-ID": last_event_id} if last_event_id else None
        params = watch_params(provider, resource, name, snapshot)
        async with self._http.stream(
            "GET", "/resources/watch", params=params, headers=headers, timeout=_STREAM_TIMEOUT
        ) as response:
            if not response.is_success:
                await response.aread()
            raise_for_status(response)
            parser = SSEParser()
            async for line in response.aiter_lines():
                if (event := parser.feed(line)) is not None:
                    yield event

    @contextlib.asynccontextmanager
    async def stream_build_logs(self, provider_id: str, version: str) -> AsyncIterator[httpx.Response]:
        """Stream a build's logs as they are written; read ``response.aiter_lines()``.

        Use it as ``async with``; see ``PragmaClient.stream_build_logs``.
        """
        async with self._stream(self._build_logs_request(provider_id, version)) as response:
            yield response

    async def stream_provider_logs(
        self,
        provider_id: str,
        version: str | None = None,
        *,
        build: bool = False,
        follow: bool = False,
        tail: int | None = None,
    ) -> AsyncIterator[str]:
        """Yield the lines of a provider's log; see ``PragmaClient.stream_provider_logs``.

        Example:
            async for line in client.stream_provider_logs("mycloud", build=True):
                print(line)
        """
        request = self._provider_logs_request(provider_id, version, build, follow, tail)
        async with self._stream(request) as response:
            async for line in response.aiter_lines():
                yield line

    @contextlib.asynccontextmanager
    async def stream_file(self, name: str) -> AsyncIterator[httpx.Response]:
        """Download a file as a stream; read ``response.aiter_bytes()``.

        Use it as ``async with``; see ``PragmaClient.stream_file``.
        """
        async with self._stream(self._file_download_request(name)) as response:
            yield response

    @contextlib.asynccontextmanager
    async def _stream(self, request: httpx.Request) -> AsyncIterator[httpx.Response]:
        """Send ``request`` and hand back the open response; an error answer raises with its message."""
        response = await self._http.send(request, stream=True)
        try:
            if not response.is_success:
                await response.aread()
            raise_for_status(response)
            yield response
        finally:
            await response.aclose()

    async def wait_ready(
        self,
        provider: str,
        resource: str,
        name: str,
        *,
        timeout: float = 60.0,
        model: type[ResourceT] | None = None,
    ) -> ResourceT | dict[str, Any]:
        """Wait until a resource is ``ready`` and return it; watches, never polls.

        Raises:
            TimeoutError: Not ready within ``timeout`` seconds.
            ResourceFailedError: It ended in ``failed`` or was deleted.
        """
        path = f"{provider}/{resource}/{name}"
        try:
            async with asyncio.timeout(timeout):
                async for event in self.watch_resources(provider, resource, name):
                    if (document := settled(event, path)) is not None:
                        return parse_document(document, model)
        except TimeoutError:
            pass
        raise TimeoutError(f"{path} was not ready within {timeout:g} s")

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
