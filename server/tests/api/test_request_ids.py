"""Request ids: every response returns one; a client's own is kept when valid, replaced when not."""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

import httpx

from testing.fixtures.server import RunningServer

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_a_generated_id_is_returned_when_none_is_sent(http: httpx.Client) -> None:
    first = http.get("/auth/me")
    second = http.get("/auth/me")

    assert first.status_code == 200
    assert GENERATED.fullmatch(first.headers["x-request-id"])
    assert GENERATED.fullmatch(second.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_the_clients_id_is_returned_as_sent(http: httpx.Client, unique: str) -> None:
    request_id = f"deploy-{unique} #1/2 (retry=0)"

    response = http.get("/auth/me", headers={"X-Request-ID": request_id})

    assert response.status_code == 200
    assert response.headers["x-request-id"] == request_id
    assert response.headers.get_list("x-request-id") == [request_id]


def test_an_id_of_200_characters_is_kept(http: httpx.Client) -> None:
    request_id = "r" * 200

    assert http.get("/health", headers={"X-Request-ID": request_id}).headers["x-request-id"] == request_id


def test_a_too_long_id_is_replaced_not_refused(http: httpx.Client) -> None:
    response = http.get("/auth/me", headers={"X-Request-ID": "r" * 201})

    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["x-request-id"])


def test_an_id_with_control_or_non_ascii_characters_is_replaced_not_refused(server: RunningServer) -> None:
    for bad in (b"abc\tdef", "caf\u00e9".encode(), b"\x80\xff"):
        answer = _raw_get(server, "/auth/me", [(b"X-Request-ID", bad)])

        assert answer.startswith(b"HTTP/1.1 200 "), (bad, answer)
        assert re.search(rb"\r\nx-request-id: [0-9a-f]{32}\r\n", answer), (bad, answer)


def test_a_header_value_the_http_parser_refuses_is_a_400_not_a_500(server: RunningServer) -> None:
    # DEL and most control bytes are not valid in any header value: the parser answers
    # before the application sees the request.
    answer = _raw_get(server, "/auth/me", [(b"X-Request-ID", b"abc\x7fdef")])

    assert answer.startswith(b"HTTP/1.1 400 "), answer


def test_error_responses_carry_the_id(http: httpx.Client, unique: str) -> None:
    missing = http.get(f"/resources/resource:nope_{unique}", headers={"X-Request-ID": f"a-{unique}"})
    unauthenticated = httpx.get(
        f"{http.base_url}/auth/me", headers={"X-Request-ID": f"b-{unique}"}, timeout=30
    )
    invalid = http.post("/resources/apply", json={"provider": "x"}, headers={"X-Request-ID": f"c-{unique}"})
    wrong_method = http.put("/health", headers={"X-Request-ID": f"d-{unique}"})

    assert (missing.status_code, missing.headers["x-request-id"]) == (404, f"a-{unique}")
    assert (unauthenticated.status_code, unauthenticated.headers["x-request-id"]) == (401, f"b-{unique}")
    assert (invalid.status_code, invalid.headers["x-request-id"]) == (422, f"c-{unique}")
    assert (wrong_method.status_code, wrong_method.headers["x-request-id"]) == (405, f"d-{unique}")


def test_the_watch_stream_carries_the_id(http: httpx.Client, unique: str) -> None:
    with http.stream("GET", "/resources/watch", headers={"X-Request-ID": f"w-{unique}"}) as stream:
        assert stream.status_code == 200
        assert stream.headers["x-request-id"] == f"w-{unique}"


def test_the_apply_answer_carries_the_id(http: httpx.Client, unique: str) -> None:
    body = {"provider": "nobody", "resource": "thing", "name": unique, "lifecycle_state": "draft"}

    response = http.post("/resources/apply", json=body, headers={"X-Request-ID": f"apply-{unique}"})

    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == f"apply-{unique}"


def _raw_get(server: RunningServer, path: str, headers: list[tuple[bytes, bytes]]) -> bytes:
    """A GET written byte for byte (httpx refuses to send such header values); returns the
    response's head."""
    address = urlsplit(server.url)
    lines = [f"GET {path} HTTP/1.1".encode(), f"Host: {address.netloc}".encode()]
    lines.append(f"Authorization: Bearer {server.token}".encode())
    lines += [name + b": " + value for name, value in headers]
    lines.append(b"Connection: close")
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer.split(b"\r\n\r\n", 1)[0] + b"\r\n"
