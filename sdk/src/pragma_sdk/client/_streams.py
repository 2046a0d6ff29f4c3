"""The calls whose answer stays open (watches, logs, downloads) and ``wait_ready``, defined once.

Each builds its request and says what a line of the answer gives; the clients' ``_follow``,
``_first`` and ``_stream`` read the answer sync or async (see ``_operation.py``).
"""

from __future__ import annotations

import functools
from typing import Any

import httpx

from pragma_sdk.client._base import path_segment
from pragma_sdk.client._calls import ResourceT, parse_document
from pragma_sdk.client._files import FileCalls
from pragma_sdk.client._operation import Follow, first_of, opened, streamed
from pragma_sdk.client._watch import ReadyWait, SSEParser, WatchEvent, watch_params

# A watch stays open; it only gives up when the server is silent past its keepalives.
_STREAM_TIMEOUT = httpx.Timeout(10.0, read=60.0)


def _the_line(line: str) -> tuple[str]:
    return (line,)


class StreamCalls(FileCalls):
    """The streaming calls of ``PragmaClient`` and ``AsyncPragmaClient``."""

    @streamed
    def watch_resources(
        self,
        provider: str | None = None,
        resource: str | None = None,
        name: str | None = None,
        *,
        snapshot: bool = True,
        last_event_id: str | None = None,
    ) -> Follow[WatchEvent]:
        """Stream resource changes as they happen (server-sent events).

        Starts with the current state of matching resources when ``snapshot``; pass the ``id``
        of the last event seen as ``last_event_id`` to resume after it. Iterate it with
        ``for`` (``async for`` on ``AsyncPragmaClient``); leaving the loop closes the stream.

        Raises:
            PragmaAPIError: The server refused the watch (a bad ``last_event_id`` is a 422).
        """
        headers = {"Last-Event-ID": last_event_id} if last_event_id else None
        params = watch_params(provider, resource, name, snapshot)
        request = self._request(
            "GET", "/resources/watch", params=params, headers=headers, timeout=_STREAM_TIMEOUT
        )
        return Follow(request, SSEParser().events)

    @first_of
    def wait_ready(
        self,
        provider: str,
        resource: str,
        name: str,
        *,
        timeout: float = 60.0,
        model: type[ResourceT] | None = None,
    ) -> Follow[ResourceT | dict[str, Any]]:
        """Wait until a resource is ``ready`` and return it (as ``model`` when given); watches,
        never polls.

        ``timeout`` counts from the call and covers connecting. ``AsyncPragmaClient`` stops
        at the deadline; ``PragmaClient``, which cannot interrupt a read, stops when the server
        next sends something (an event, or its keepalive at least every 15 s) or, on a silent
        stream, when the time left at connecting has passed.

        Raises:
            TimeoutError: Not ready within ``timeout`` seconds (or the server ended the watch).
            ResourceFailedError: It ended in ``failed`` or was deleted.
            PragmaAPIError: The server refused the watch.
        """
        wait = ReadyWait(
            f"{provider}/{resource}/{name}", timeout, functools.partial(parse_document, model=model)
        )
        request = self._request(
            "GET",
            "/resources/watch",
            params=watch_params(provider, resource, name, True),
            timeout=httpx.Timeout(self._settings.timeout, read=max(timeout, 0.001)),
        )
        return Follow(request, wait.feed, timeout=timeout, gave_up=wait.expired)

    @opened
    def stream_build_logs(self, provider_id: str, version: str) -> httpx.Request:
        """Stream a build's logs as they are written; the response stays open while it runs.

        Use it as a context manager (``async with`` on ``AsyncPragmaClient``) and read
        ``response.iter_lines()`` (``aiter_lines()``); leaving the block closes the stream.
        The server keeps the response open while the build runs, so only connecting is timed.

        Args:
            provider_id: The provider's name.
            version: The build's CalVer version, such as ``"20250115.120000"``.

        Raises:
            NotFoundError: There is no such build.
        """
        path = f"/providers/{path_segment(provider_id)}/builds/{path_segment(version)}/logs"
        return self._request("GET", path, timeout=httpx.Timeout(None, connect=self._settings.timeout))

    @streamed
    def stream_provider_logs(
        self,
        provider_id: str,
        version: str | None = None,
        *,
        build: bool = False,
        follow: bool = False,
        tail: int | None = None,
    ) -> Follow[str]:
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
            NotFoundError: There is no such provider or version, or nothing was logged yet
                (at the first iteration).

        Example:
            for line in client.stream_provider_logs("mycloud", tail=20, follow=True):
                print(line)
        """
        path = f"/providers/{path_segment(provider_id)}/logs"
        params = {"version": version, "build": build, "follow": follow, "tail": tail}
        # A followed log stays open while nothing is printed, so then only connecting is timed.
        timeout = httpx.Timeout(None if follow else self._settings.timeout, connect=self._settings.timeout)
        return Follow(self._request("GET", path, params=params, timeout=timeout), _the_line)

    @opened
    def stream_file(self, name: str) -> httpx.Request:
        """Download a file as a stream, without holding it in memory.

        Use it as a context manager (``async with`` on ``AsyncPragmaClient``) and read
        ``response.iter_bytes()`` (``aiter_bytes()``); the headers carry ``Content-Length``,
        ``Content-Type`` and ``X-Checksum-Sha256``.

        Raises:
            NotFoundError: There is no such file.
        """
        return self._file_download_request(name)
