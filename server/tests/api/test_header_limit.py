"""Request heads over ``PRAGMA_MAX_HEADER_BYTES`` (64 KiB) get 431, without being held in memory."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from testing.fixtures.server import RunningServer

MiB = 1024 * 1024


def peak_memory_bytes(server: RunningServer) -> int:
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM line")


def send_big_header(server: RunningServer, size: int) -> bytes:
    """Stream a request whose one header is ``size`` bytes; return what the server answered."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: pragma\r\nX-Big: ")
        chunk = b"a" * MiB
        try:
            for _ in range(size // MiB):
                client.sendall(chunk)
            client.sendall(b"\r\n\r\n")
        except OSError:
            pass  # the server may stop reading once it has answered
        answer = b""
        while data := client.recv(65536):
            answer += data
    return answer


def test_a_64_mib_header_is_431_without_being_read_into_memory(
    server: RunningServer, http: httpx.Client
) -> None:
    before = peak_memory_bytes(server)
    answer = send_big_header(server, 64 * MiB)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"connection: close" in head
    assert httpx.Response(431, content=body).json()["detail"]["field"] == "headers"
    assert peak_memory_bytes(server) - before < 16 * MiB
    assert http.get("/health").json() == {"status": "ok"}


def test_headers_over_the_limit_in_one_piece_are_431_and_under_it_are_served(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        refused = client.get("/health", headers={"X-Big": "a" * MiB})
        assert refused.status_code == 431
        assert "limit of 65536 bytes" in refused.json()["detail"]["message"]
        served = client.get("/health", headers={"X-Fits": "a" * (60 * 1024)})
        assert served.status_code == 200
