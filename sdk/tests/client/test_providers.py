"""The guide's Provider Deployment calls, in both clients, against a mock transport.

The server side of ``/providers/`` is not written yet; these tests pin the requests to the
reference API and check how each client reads the answers.
"""

from __future__ import annotations

import email.parser
import io
import tarfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest

from pragma_sdk import (
    AsyncPragmaClient,
    BuildInfo,
    BuildStatus,
    DeploymentResult,
    DeploymentStatus,
    PragmaClient,
    ProviderDeleteResult,
    ProviderInfo,
    ProviderStatus,
    PushResult,
)

BASE_URL = "http://pragma.test"
TIMEOUT = 7.0
VERSION = "20250115.120000"

Handler = Callable[[httpx.Request], httpx.Response]
Call = Callable[..., Awaitable[Any]]
ClientT = TypeVar("ClientT", PragmaClient, AsyncPragmaClient)


def offline_client(client_class: type[ClientT], handler: Handler) -> ClientT:
    """A client of ``client_class`` whose requests go to ``handler`` instead of the network."""
    client = client_class(base_url=BASE_URL, timeout=TIMEOUT, auth_token="secret")
    client._http = client._http_class(
        base_url=BASE_URL,
        timeout=TIMEOUT,
        headers=client._settings.headers,
        transport=httpx.MockTransport(handler),
    )
    return client


@pytest.fixture(params=["sync", "async"])
def call(request: pytest.FixtureRequest) -> Call:
    """``await call(handler, "method", *args)``: run one call on the client under test."""

    async def run(handler: Handler, method: str, *args: Any, **kwargs: Any) -> Any:
        if request.param == "sync":
            with offline_client(PragmaClient, handler) as client:
                return getattr(client, method)(*args, **kwargs)
        async with offline_client(AsyncPragmaClient, handler) as aclient:
            return await getattr(aclient, method)(*args, **kwargs)

    return run


class Recorder:
    """Answers every request with one response and keeps the requests it was sent."""

    def __init__(self, status_code: int = 200, json: Any = None) -> None:
        self.status_code = status_code
        self.json = json
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(self.status_code, json=self.json)

    @property
    def request(self) -> httpx.Request:
        """The one request sent."""
        assert len(self.requests) == 1
        return self.requests[0]


def build(status: str = "success", error_message: str | None = None) -> dict[str, Any]:
    return {
        "provider_id": "my-provider",
        "version": VERSION,
        "status": status,
        "error_message": error_message,
        "created_at": "2025-01-15T12:00:00Z",
    }


async def test_list_providers(call: Call) -> None:
    server = Recorder(
        json=[
            {
                "provider_id": "my-provider",
                "current_version": VERSION,
                "deployment_status": "available",
                "updated_at": "2025-01-15T12:05:00Z",
            },
            {"provider_id": "pushed-only", "current_version": None, "deployment_status": None},
        ]
    )
    providers = await call(server, "list_providers")
    assert (server.request.method, server.request.url.path) == ("GET", "/providers/")
    assert server.request.headers["Authorization"] == "Bearer secret"
    assert all(isinstance(p, ProviderInfo) for p in providers)
    deployed, pushed = providers
    assert deployed.deployment_status is DeploymentStatus.AVAILABLE
    assert deployed.updated_at == datetime(2025, 1, 15, 12, 5, tzinfo=UTC)
    assert (pushed.current_version, pushed.updated_at) == (None, None)
    assert [f"{p.provider_id}: {p.deployment_status or 'not deployed'}" for p in providers] == [
        "my-provider: available",
        "pushed-only: not deployed",
    ]


async def test_list_builds(call: Call) -> None:
    server = Recorder(json=[build("failed", "no Provider in the package"), build("building")])
    builds = await call(server, "list_builds", "my-provider")
    assert (server.request.method, server.request.url.path) == ("GET", "/providers/my-provider/builds")
    assert all(isinstance(b, BuildInfo) for b in builds)
    assert [b.status for b in builds] == [BuildStatus.FAILED, BuildStatus.BUILDING]
    assert builds[0].error_message == "no Provider in the package"
    assert builds[0].created_at == datetime(2025, 1, 15, 12, tzinfo=UTC)


async def test_push_provider_uploads_the_tarball_as_code(call: Call) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("pyproject.toml")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"[x]\n"))
    tarball = buffer.getvalue()
    server = Recorder(202, {"version": VERSION, "status": "pending", "message": "Build started"})

    result = await call(server, "push_provider", "my-provider", tarball)

    assert result == PushResult(version=VERSION, status=BuildStatus.PENDING, message="Build started")
    request = server.request
    assert (request.method, request.url.path) == ("POST", "/providers/my-provider/push")
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    form = email.parser.BytesParser().parsebytes(head + request.content)
    assert form.get_content_type() == "multipart/form-data"
    (part,) = form.get_payload()
    assert part.get_param("name", header="Content-Disposition") == "code"
    assert part.get_filename() == "my-provider.tar.gz"
    assert part.get_content_type() == "application/gzip"
    assert part.get_payload(decode=True) == tarball


async def test_get_build_status(call: Call) -> None:
    server = Recorder(json=build("success"))
    result = await call(server, "get_build_status", "my-provider", VERSION)
    assert (server.request.method, server.request.url.path) == (
        "GET",
        f"/providers/my-provider/builds/{VERSION}",
    )
    assert isinstance(result, BuildInfo)
    assert result.status is BuildStatus.SUCCESS
    assert result.error_message is None


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [({}, {"version": None}), ({"version": "20250114.120000"}, {"version": "20250114.120000"})],
    ids=["latest", "rollback"],
)
async def test_deploy_provider(call: Call, kwargs: dict[str, Any], body: dict[str, Any]) -> None:
    server = Recorder(
        202, {"status": "progressing", "version": body["version"] or VERSION, "updated_at": None}
    )
    result = await call(server, "deploy_provider", "my-provider", **kwargs)
    request = server.request
    assert (request.method, request.url.path) == ("POST", "/providers/my-provider/deploy")
    assert request.headers["Content-Type"] == "application/json"
    assert httpx.Response(200, content=request.content).json() == body
    assert isinstance(result, ProviderStatus)
    assert result.status is DeploymentStatus.PROGRESSING
    assert result.healthy is False


async def test_rollback_provider(call: Call) -> None:
    server = Recorder(
        202,
        {
            "deployment_name": "my-provider",
            "status": "progressing",
            "version": "20250114.120000",
            "updated_at": "2025-01-15T12:05:00Z",
            "message": "Rolling my-provider out at version 20250114.120000.",
            "added_by_a_newer_server": True,
        },
    )
    result = await call(server, "rollback_provider", "my-provider", "20250114.120000")
    request = server.request
    assert (request.method, request.url.path) == ("POST", "/providers/my-provider/rollback")
    assert httpx.Response(200, content=request.content).json() == {"version": "20250114.120000"}
    assert result == DeploymentResult(
        deployment_name="my-provider",
        status=DeploymentStatus.PROGRESSING,
        version="20250114.120000",
        updated_at=datetime(2025, 1, 15, 12, 5, tzinfo=UTC),
        message="Rolling my-provider out at version 20250114.120000.",
    )
    assert (result.available_replicas, result.ready_replicas, result.image) == (0, 0, None)


@pytest.mark.parametrize("method", ["rollback_provider", "deploy_provider"])
async def test_a_malformed_version_is_left_for_the_server_to_refuse(call: Call, method: str) -> None:
    server = Recorder(422, {"detail": [{"loc": ["body", "version"], "msg": "must be a build version"}]})
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await call(server, method, "my-provider", "latest")
    assert httpx.Response(200, content=server.request.content).json() == {"version": "latest"}
    assert refused.value.response.status_code == 422


async def test_get_deployment_status(call: Call) -> None:
    server = Recorder(
        json={
            "status": "available",
            "version": VERSION,
            "updated_at": "2025-01-15T12:05:00Z",
            "healthy": True,
        }
    )
    result = await call(server, "get_deployment_status", "my-provider")
    assert (server.request.method, server.request.url.path) == ("GET", "/providers/my-provider/deployment")
    assert result == ProviderStatus(
        status=DeploymentStatus.AVAILABLE,
        version=VERSION,
        updated_at=datetime(2025, 1, 15, 12, 5, tzinfo=UTC),
        healthy=True,
    )


@pytest.mark.parametrize(("cascade", "query"), [(False, "false"), (True, "true")])
async def test_delete_provider(call: Call, cascade: bool, query: str) -> None:
    server = Recorder(json={"provider_id": "my-provider"})
    result = await call(server, "delete_provider", "my-provider", cascade=cascade)
    assert (server.request.method, server.request.url.path) == ("DELETE", "/providers/my-provider")
    assert dict(server.request.url.params) == {"cascade": query}
    assert result == ProviderDeleteResult(
        provider_id="my-provider", deployment_deleted=False, resources_deleted=0
    )


async def test_errors_carry_the_server_message(call: Call) -> None:
    server = Recorder(409, {"detail": "provider my-provider still has 3 resources; delete with cascade"})
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await call(server, "delete_provider", "my-provider")
    assert raised.value.response.status_code == 409
    assert "still has 3 resources" in str(raised.value)


async def test_provider_id_stays_one_path_segment(call: Call) -> None:
    server = Recorder(json={"provider_id": "x"})
    await call(server, "delete_provider", "x?cascade=true")
    assert server.request.url.raw_path == b"/providers/x%3Fcascade%3Dtrue?cascade=false"


def streaming(
    seen: list[httpx.Request], chunks: list[bytes], *, use_async: bool, status_code: int = 200
) -> Handler:
    """Answers with a body sent one chunk at a time, as a running build writes its logs.

    Nothing of the body is read until the client reads it, as with a real server.
    """

    def sync_chunks() -> Iterator[bytes]:
        yield from chunks

    async def async_chunks() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status_code, content=async_chunks() if use_async else sync_chunks())

    return handler


LOG_CHUNKS = [b"Step 1/3: uv sync\n", b"Step 2/3: discov", b"er providers\n", b"Step 3/3: done\n"]
LOG_LINES = ["Step 1/3: uv sync", "Step 2/3: discover providers", "Step 3/3: done"]


def assert_log_request(request: httpx.Request) -> None:
    assert (request.method, request.url.path) == ("GET", f"/providers/my-provider/builds/{VERSION}/logs")
    # The stream stays open as long as the build runs: only connecting may time out.
    assert request.extensions["timeout"] == {"connect": TIMEOUT, "read": None, "write": None, "pool": None}


def test_stream_build_logs_sync() -> None:
    seen: list[httpx.Request] = []
    with offline_client(PragmaClient, streaming(seen, LOG_CHUNKS, use_async=False)) as client:
        with client.stream_build_logs("my-provider", VERSION) as response:
            assert isinstance(response, httpx.Response)
            assert list(response.iter_lines()) == LOG_LINES
        assert response.is_closed
    (request,) = seen
    assert_log_request(request)


async def test_stream_build_logs_async() -> None:
    seen: list[httpx.Request] = []
    async with offline_client(AsyncPragmaClient, streaming(seen, LOG_CHUNKS, use_async=True)) as client:
        async with client.stream_build_logs("my-provider", VERSION) as response:
            assert isinstance(response, httpx.Response)
            assert [line async for line in response.aiter_lines()] == LOG_LINES
        assert response.is_closed
    (request,) = seen
    assert_log_request(request)


NOT_FOUND = [b'{"detail": "build ', VERSION.encode(), b' of my-provider not found"}']


def test_stream_build_logs_error_sync() -> None:
    handler = streaming([], NOT_FOUND, use_async=False, status_code=404)
    with (
        offline_client(PragmaClient, handler) as client,
        pytest.raises(httpx.HTTPStatusError) as raised,
        client.stream_build_logs("my-provider", VERSION),
    ):
        pytest.fail("no stream for a build that does not exist")
    assert raised.value.response.status_code == 404
    assert f"build {VERSION} of my-provider not found" in str(raised.value)
    assert raised.value.response.is_closed


async def test_stream_build_logs_error_async() -> None:
    handler = streaming([], NOT_FOUND, use_async=True, status_code=404)
    async with offline_client(AsyncPragmaClient, handler) as client:
        with pytest.raises(httpx.HTTPStatusError) as raised:
            async with client.stream_build_logs("my-provider", VERSION):
                pytest.fail("no stream for a build that does not exist")
    assert raised.value.response.status_code == 404
    assert f"build {VERSION} of my-provider not found" in str(raised.value)
    assert raised.value.response.is_closed
