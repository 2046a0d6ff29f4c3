"""``LeanTransport`` against a small HTTP server on a real socket: what it sends, what it
reuses, and how an answer it cannot take fails."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from pragma_sdk.worker._transport import LeanTransport

Answer = Callable[[bytes, asyncio.StreamWriter], Awaitable[bool]]
"""Answers one request (its head and body); returns whether to keep the connection open."""


class Stub:
    """A server on 127.0.0.1 that answers each request with ``answer`` and counts connections."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                if not await self.answer(request, writer):
                    break
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def serving(answer: Answer) -> AsyncIterator[tuple[Stub, str]]:
    stub = Stub(answer)
    server = await asyncio.start_server(stub.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield stub, f"http://127.0.0.1:{port}"
    finally:
        server.close()


def json_answer(body: bytes = b'{"ok":true}') -> Answer:
    async def answer(_request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body)
            + body
        )
        await writer.drain()
        return True

    return answer


def client(url: str, fallback: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    transport = LeanTransport(fallback or httpx.AsyncHTTPTransport())
    return httpx.AsyncClient(base_url=url, transport=transport, timeout=5)


async def test_worker_requests_share_one_connection_and_arrive_whole() -> None:
    async with serving(json_answer()) as (stub, url), client(url) as http:
        first = await http.post("/workers/complete", json={"worker_id": "w", "results": []})
        second = await http.post("/workers/lease", content=b'{"worker_id":"w"}', headers={"x-test": "1"})
    assert first.status_code == second.status_code == 200
    assert first.json() == {"ok": True}
    assert stub.connections == 1
    assert stub.requests[1].startswith(b"POST /workers/lease HTTP/1.1\r\n")
    assert b"x-test: 1\r\n" in stub.requests[1]
    assert stub.requests[1].endswith(b'\r\n\r\n{"worker_id":"w"}')


async def test_other_requests_go_to_the_fallback() -> None:
    seen: list[str] = []

    def fallback(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return httpx.Response(204)

    async with serving(json_answer()) as (stub, url), client(url, httpx.MockTransport(fallback)) as http:
        await http.get("/workers/events/e/resources/r")
        await http.post("/resources/apply", json={})
    assert seen == ["GET /workers/events/e/resources/r", "POST /resources/apply"]
    assert stub.connections == 0


async def test_a_kept_alive_connection_the_server_closed_is_replaced() -> None:
    async def answer_then_hang_up(request: bytes, writer: asyncio.StreamWriter) -> bool:
        await json_answer()(request, writer)
        return False  # closes without saying so, as a server's idle timeout does

    async with serving(answer_then_hang_up) as (stub, url), client(url) as http:
        assert (await http.post("/workers/lease", content=b"{}")).status_code == 200
        await asyncio.sleep(0.05)
        assert (await http.post("/workers/lease", content=b"{}")).status_code == 200
    assert stub.connections == 2


async def test_a_connection_closed_before_the_answer_is_retried_once_on_a_new_one() -> None:
    answered = 0

    async def drop_the_second(request: bytes, writer: asyncio.StreamWriter) -> bool:
        nonlocal answered
        answered += 1
        if answered == 2:
            return False  # reads the request, then hangs up without an answer
        return await json_answer()(request, writer)

    async with serving(drop_the_second) as (stub, url), client(url) as http:
        await http.post("/workers/complete", content=b"{}")
        assert (await http.post("/workers/complete", content=b"{}")).status_code == 200
    assert stub.connections == 2


@pytest.mark.parametrize(
    ("head", "error"),
    [
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort", httpx.RemoteProtocolError),
        (b"", httpx.ReadTimeout),
    ],
    ids=["chunked", "no length", "cut short", "no answer"],
)
async def test_answers_it_cannot_take_fail_as_httpx_errors(head: bytes, error: type[Exception]) -> None:
    async def answer(_request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(head)
        await writer.drain()
        if head:
            writer.close()  # a body cut short ends with the connection
        else:
            await asyncio.sleep(1)
        return False

    async with serving(answer) as (_stub, url), client(url) as http:
        with pytest.raises(error):
            await http.post("/workers/lease", content=b"{}", timeout=0.2)


async def test_no_server_is_a_connect_error() -> None:
    async with serving(json_answer()) as (_stub, url):
        pass  # closed: nothing listens on the port any more
    async with client(url) as http:
        with pytest.raises(httpx.ConnectError):
            await http.post("/workers/lease", content=b"{}")
