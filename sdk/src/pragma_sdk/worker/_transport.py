"""``LeanTransport``: the worker protocol's requests over plain HTTP/1.1 keep-alive connections.

A worker sends two requests per event (its result, its next poll), and through httpcore each
cost about 1 ms of the worker's CPU (h11 events, anyio cancel scopes, pool bookkeeping): most
of the time between a lease reaching the worker and its result reaching the server
(docs/BENCHMARKS.md, issue 15). This transport writes a request's head and body in one
write and reads the answer with ``asyncio`` streams. It takes only what it is built for:
``POST /workers/...`` over ``http`` with a body of known length, answered with a
``Content-Length`` (the server's JSON answers always are); everything else, and every answer
it does not expect, goes to the ``fallback`` transport or fails as httpx's would
(``httpx.ConnectError``, ``ReadTimeout``, ``RemoteProtocolError``).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import httpx

_PATH_PREFIX = "/workers/"


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()


class LeanTransport(httpx.AsyncBaseTransport):
    """Sends the worker protocol's requests itself; hands every other request to ``fallback``."""

    def __init__(self, fallback: httpx.AsyncBaseTransport) -> None:
        self._fallback = fallback
        self._idle: dict[tuple[str, int], list[_Connection]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http" or request.method != "POST" or not url.path.startswith(_PATH_PREFIX):
            return await self._fallback.handle_async_request(request)
        body = await request.aread()
        head = [f"POST {url.raw_path.decode('ascii')} HTTP/1.1\r\n".encode()]
        head += [name + b": " + value + b"\r\n" for name, value in request.headers.raw]
        message = b"".join(head) + b"\r\n" + body
        timeouts = request.extensions.get("timeout", {})
        address = (url.host, url.port or 80)
        idle = self._idle.setdefault(address, [])
        while idle:
            connection = idle.pop()
            if connection.usable():
                try:
                    return await self._exchange(connection, message, request, timeouts, address)
                except _UnansweredError:
                    # The server closed the kept-alive connection before answering, almost
                    # always for being idle too long: the request goes again on a new one,
                    # as the worker would resend it anyway (a poll, or results it still holds).
                    continue
            connection.close()
        connection = await self._connect(address, request, timeouts.get("connect"))
        try:
            return await self._exchange(connection, message, request, timeouts, address)
        except _UnansweredError as error:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from error

    async def _connect(
        self, address: tuple[str, int], request: httpx.Request, timeout: float | None
    ) -> _Connection:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(*address)
        except TimeoutError as error:
            raise httpx.ConnectTimeout(str(error) or "connect timed out", request=request) from error
        except OSError as error:
            raise httpx.ConnectError(str(error), request=request) from error
        return _Connection(reader, writer)

    async def _exchange(
        self,
        connection: _Connection,
        message: bytes,
        request: httpx.Request,
        timeouts: dict[str, float | None],
        address: tuple[str, int],
    ) -> httpx.Response:
        answered = False
        try:
            connection.writer.write(message)
            async with asyncio.timeout(timeouts.get("read")):
                try:
                    raw_head = await connection.reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as error:
                    if error.partial:
                        raise
                    raise _UnansweredError from error
                answered = True
                status, headers, length, keep_alive = _parse_head(raw_head)
                content = await connection.reader.readexactly(length)
        except _UnansweredError:
            connection.close()
            raise
        except TimeoutError as error:
            connection.close()
            raise httpx.ReadTimeout("timed out waiting for the answer", request=request) from error
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
            connection.close()
            if not answered and isinstance(error, ConnectionError):
                raise _UnansweredError from error
            raise httpx.RemoteProtocolError(f"broken answer: {error!r}", request=request) from error
        if keep_alive:
            self._idle.setdefault(address, []).append(connection)
        else:
            connection.close()
        return httpx.Response(
            status,
            headers=headers,
            content=content,
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
                with contextlib.suppress(OSError):
                    await connection.writer.wait_closed()
        self._idle.clear()
        await self._fallback.aclose()


class _UnansweredError(Exception):
    """The connection closed before any byte of an answer came back."""


def _parse_head(raw: bytes) -> tuple[int, list[tuple[bytes, bytes]], int, bool]:
    """Status, headers, body length and whether the connection stays open, from an answer's head.

    Raises:
        ValueError: Not an HTTP/1.1 answer with a ``Content-Length`` and no transfer coding.
    """
    status_line, *lines = raw[:-4].split(b"\r\n")
    version, code, *_reason = status_line.split(b" ", 2)
    if version != b"HTTP/1.1":
        raise ValueError(f"unexpected status line {status_line!r}")
    headers = []
    length: int | None = None
    keep_alive = True
    for line in lines:
        name, _, value = line.partition(b":")
        name, value = name.strip(), value.strip()
        headers.append((name, value))
        lowered = name.lower()
        if lowered == b"content-length":
            length = int(value)
        elif lowered == b"transfer-encoding":
            raise ValueError("an answer with a transfer coding")
        elif lowered == b"connection" and value.lower() == b"close":
            keep_alive = False
    if length is None:
        raise ValueError("an answer without a Content-Length")
    return int(code), headers, length, keep_alive
