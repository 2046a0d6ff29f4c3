"""An unexpected error is a 500 that leaves the keep-alive connection usable.

The server's own routes no longer fail this way on bad input, so a small app with a failing
route runs here behind the same error handling, over real HTTP.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from pragma_os.api.errors import UnexpectedErrors, install_error_handlers
from pragma_os.api.http_protocol import server_protocol
from testing.processes import free_port


def failing_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(UnexpectedErrors)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("something nobody expected")

    @app.get("/fine")
    async def fine() -> dict[str, str]:
        return {"status": "ok"}

    return app


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        failing_app(), host="127.0.0.1", port=port, log_level="critical", http=server_protocol(65536)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def connection(response: httpx.Response) -> Any:
    return response.extensions["network_stream"].get_extra_info("client_addr")


def test_a_500_keeps_the_connection_for_the_next_request(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        failed = client.get("/boom")
        opened = connection(failed)  # uvicorn used to close it at once; this would then fail
        assert failed.status_code == 500
        assert failed.json() == {
            "detail": {"message": "Internal server error; the server log has the details."}
        }
        assert "something nobody expected" not in failed.text
        following = client.get("/fine")
        assert following.json() == {"status": "ok"}
        assert connection(following) == opened
