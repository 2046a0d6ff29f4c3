"""Worker tokens over HTTP: refused (403) on every route but the worker routes of their providers."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from fastapi import routing
from fastapi.routing import APIRoute

from pragma_os.api.app import create_app
from pragma_os.settings import Settings
from testing.fixtures.files import upload
from testing.fixtures.server import RunningServer

WORKER_PREFIX = "/workers/"
# Routes that take no API token at all: a worker token there is not looked at (/metrics takes
# its own scrape token when PRAGMA_METRICS_TOKEN is set, and none otherwise).
PUBLIC = {("GET", "/health"), ("GET", "/metrics")}
REFUSAL = "A worker token may only lease, heartbeat, complete and answer queries for its providers"
PATH_VALUES = {
    "resource_id": "resource:pragma_secret_nothing",
    "name": "nothing.txt",
    "provider_id": "nothing",
    "version": "20250101.000000",
    "event_id": "evt_nothing",
    "query_id": "qry_nothing",
}


def api_routes() -> set[tuple[str, str]]:
    """Every (method, path) of the application's API routes, read from the app, not its OpenAPI."""
    app = create_app(Settings(data_dir=Path("unused")))
    return {
        (method, context.path_format)
        for context in routing.iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.methods or ()
    }


def openapi_routes(server: RunningServer) -> set[tuple[str, str]]:
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: PATH_VALUES[match.group(1)], path)


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 403, (response.request.method, response.request.url, response.text)
    if response.request.method != "HEAD":
        assert REFUSAL in response.json()["detail"]["message"]


def test_every_route_but_the_worker_routes_refuses_a_worker_token(
    server: RunningServer, worker: httpx.Client
) -> None:
    served = openapi_routes(server)
    # No API route hides from the OpenAPI description, so enumerating it enumerates them all.
    assert api_routes() == served
    checked = 0
    for method, path in sorted(served):
        if path.startswith(WORKER_PREFIX) or (method, path) in PUBLIC:
            continue
        assert_refused(worker.request(method, concrete(path), json={}))
        checked += 1
    assert checked >= 30


def test_the_worker_routes_accept_a_worker_token_for_its_providers(
    worker: httpx.Client, provider_name: str
) -> None:
    body = {"worker_id": "w", "providers": [provider_name], "wait_seconds": 0}
    assert worker.post("/workers/lease", json=body).status_code == 200
    assert worker.post("/workers/heartbeat", json={"worker_id": "w", "event_ids": []}).status_code == 200
    other = worker.post("/workers/lease", json={**body, "providers": ["someone-else"]})
    assert other.status_code == 404


def test_a_worker_token_cannot_reveal_a_secret(http: httpx.Client, worker: httpx.Client, unique: str) -> None:
    body = {"provider": "pragma", "resource": "secret", "name": unique, "config": {"data": {"k": "hush"}}}
    assert http.post("/resources/apply", json=body).status_code == 200
    revealed = worker.post(f"/resources/resource:pragma_secret_{unique}/reveal")
    assert_refused(revealed)
    assert "hush" not in revealed.text
    assert http.post(f"/resources/resource:pragma_secret_{unique}/reveal").json()["data"] == {"k": "hush"}


def test_a_worker_token_cannot_download_a_file(http: httpx.Client, worker: httpx.Client, unique: str) -> None:
    assert upload(http, f"{unique}.txt", b"private bytes", "text/plain").status_code == 200
    downloaded = worker.get(f"/files/{unique}.txt/download")
    assert_refused(downloaded)
    assert b"private bytes" not in downloaded.content
    assert_refused(worker.get(f"/files/{unique}.txt/url"))


def test_a_worker_token_cannot_apply_a_resource(
    http: httpx.Client, worker: httpx.Client, provider_name: str
) -> None:
    body = {"provider": provider_name, "resource": "thing", "name": "sneaky", "config": {}}
    assert_refused(worker.post("/resources/apply", json=body))
    assert http.get(f"/resources/resource:{provider_name}_thing_sneaky").status_code == 404


def test_a_worker_token_cannot_list_providers_or_dead_letters(worker: httpx.Client) -> None:
    assert_refused(worker.get("/providers/"))
    assert_refused(worker.get("/ops/dead-letter"))
    assert_refused(worker.get("/auth/me"))
