"""``POST /providers/{id}/rollback``: from both SDK clients, and what it refuses, over HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from pragma_sdk import AsyncPragmaClient, BuildStatus, DeploymentResult, DeploymentStatus, PragmaClient
from pragma_sdk.models import VERSION_RULE
from testing.fixtures.errors import refused_fields
from testing.fixtures.pipeline import build_of, deployed, pushed, settled
from testing.fixtures.provider_projects import tarball, widget_project
from testing.fixtures.server import RunningServer, worker_token

WAIT_SECONDS = 60

# Two builds and two rollouts make this test cost seconds. A rollback runs no query of its own
# (it reads a build and deploys it); those queries run on both databases in test_pipeline.py.
pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


def widget_version(client: PragmaClient, provider_id: str, name: str) -> str:
    """The label of the version whose worker created widget ``name``."""
    client.apply_resource(
        {"provider": provider_id, "resource": "widget", "name": name, "config": {"size": 1}}
    )
    ready = client.wait_ready(provider_id, "widget", name, timeout=WAIT_SECONDS)
    assert isinstance(ready, dict)
    return str(ready["outputs"]["version"])


def test_both_clients_roll_back_and_bad_versions_are_refused(
    server: RunningServer, tmp_path: Path, provider_name: str
) -> None:
    with server.client(timeout=30) as client:
        first = pushed(client, provider_name, widget_project(tmp_path / "v1", provider_name, label="v1"))
        second = pushed(client, provider_name, widget_project(tmp_path / "v2", provider_name, label="v2"))
        assert (first.status, second.status) == (BuildStatus.SUCCESS, BuildStatus.SUCCESS)
        assert deployed(client, provider_name, second.version).version == second.version

        started = client.rollback_provider(provider_name, first.version)
        assert isinstance(started, DeploymentResult)
        assert (started.deployment_name, started.status, started.version, started.image) == (
            provider_name,
            DeploymentStatus.PROGRESSING,
            first.version,
            None,
        )
        assert f"{second.version} keeps running" in (started.message or "")
        status = settled(client, provider_name)
        assert (status.status, status.version, status.healthy) == (
            DeploymentStatus.AVAILABLE,
            first.version,
            True,
        )
        assert widget_version(client, provider_name, "after-rollback") == "v1"

        async def roll_back_again() -> DeploymentResult:
            async with AsyncPragmaClient(
                base_url=server.url, auth_token=server.token, timeout=30
            ) as async_client:
                return await async_client.rollback_provider(provider_name, first.version)

        # The version already deployed: nothing restarts, the answer says so.
        again = asyncio.run(roll_back_again())
        assert (again.status, again.version, again.available_replicas, again.ready_replicas) == (
            DeploymentStatus.AVAILABLE,
            first.version,
            1,
            1,
        )
        assert "already deployed" in (again.message or "")
        # The audit has the rollback that rolled out, not the one that changed nothing.
        rollbacks = [
            event.detail
            for event in client.list_audit_events("provider.rollback", limit=100)
            if event.target == provider_name
        ]
        assert rollbacks == [{"version": first.version}]

        broken = widget_project(tmp_path / "broken", provider_name)
        (broken / "pyproject.toml").unlink()
        failed = build_of(client, provider_name, client.push_provider(provider_name, tarball(broken)).version)
        assert failed.status == BuildStatus.FAILED
        for version, code in ((failed.version, 400), ("20200101.000000", 404)):
            with pytest.raises(httpx.HTTPStatusError) as refused:
                client.rollback_provider(provider_name, version)
            assert refused.value.response.status_code == code
            assert refused.value.response.json()["detail"]["field"] == "version"

    path = f"{server.url}/providers/{provider_name}/rollback"
    user = {"Authorization": f"Bearer {server.token}"}
    for body in (
        {},
        {"version": None},
        {"version": 20250115.120000},
        {"version": "latest"},
        {"version": "\x00"},
    ):
        response = httpx.post(path, json=body, headers=user)
        assert response.status_code == 422, (body, response.text)
        assert refused_fields(response.json()) == ["version"], body
    assert VERSION_RULE in httpx.post(path, json={"version": "latest"}, headers=user).text
    unknown = httpx.post(
        f"{server.url}/providers/nothing-here/rollback", json={"version": first.version}, headers=user
    )
    assert unknown.status_code == 404
    worker = {"Authorization": f"Bearer {worker_token(server, [provider_name])}"}
    assert httpx.post(path, json={"version": first.version}, headers=worker).status_code == 403
    with server.client() as client:
        assert (
            client.get_deployment_status(provider_name).version == first.version
        )  # the refusals changed nothing


def test_the_route_is_described_with_its_body_and_answers(server: RunningServer) -> None:
    document = httpx.get(f"{server.url}/openapi.json").json()
    operation = document["paths"]["/providers/{provider_id}/rollback"]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/RollbackRequest"}
    assert document["components"]["schemas"]["RollbackRequest"]["required"] == ["version"]
    answers = operation["responses"]
    # What the rollback itself answers, and what every authenticated route with a body may.
    assert set(answers) == {"202", "400", "404", "409", "422", "503"} | {"401", "403", "413", "431", "500"}
    assert answers["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DeploymentResult"
    }
    assert set(document["components"]["schemas"]["DeploymentResult"]["properties"]) == {
        "deployment_name",
        "status",
        "available_replicas",
        "ready_replicas",
        "version",
        "image",
        "updated_at",
        "message",
    }
