"""A provider package written for the public SDK (``examples/mycloud-public``), pushed as a user would.

It builds with its own pyproject conventions (``uv_build``, ``[tool.pragma]``), deploys, serves
its resources, and the platform's health and logs queries reach its ``health()`` and its
async-generator ``logs()``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from pragma_sdk import BuildStatus, DeploymentStatus, PragmaClient
from testing.fixtures.pipeline import deployed, pushed
from testing.fixtures.provider_projects import MYCLOUD_PUBLIC
from testing.fixtures.waiting import eventually

PROVIDER = "mycloudpub"
WAIT_SECONDS = 30


def apply(client: PragmaClient, resource: str, name: str, config: dict[str, Any]) -> None:
    client.apply_resource({"provider": PROVIDER, "resource": resource, "name": name, "config": config})


def levels_and_messages(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(entry["level"], entry["message"]) for entry in entries]


def gone(client: PragmaClient, resource: str, name: str) -> bool:
    try:
        client.get_resource(PROVIDER, resource, name)
    except httpx.HTTPStatusError as error:
        return error.response.status_code == 404
    return False


def test_public_sdk_provider_builds_deploys_and_answers_health_and_logs(client: PragmaClient) -> None:
    build = pushed(client, PROVIDER, MYCLOUD_PUBLIC)
    assert build.status == BuildStatus.SUCCESS, build.error_message
    # It requires Python >=3.13 as the public packages do: the server builds it on its 3.13.
    with client.stream_build_logs(PROVIDER, build.version) as response:
        steps = [line for line in response.iter_lines() if line.startswith("==> creating")]
    (step,) = steps
    assert step.startswith("==> creating the virtual environment on Python 3.13."), step
    assert step.endswith("(the project requires >=3.13)"), step
    status = deployed(client, PROVIDER)
    assert (status.status, status.version, status.healthy) == (
        DeploymentStatus.AVAILABLE,
        build.version,
        True,
    )
    types = {t["resource"]: t for t in client.list_resource_types(PROVIDER)}
    assert set(types) == {"database", "app", "dns"}
    assert types["app"]["description"].startswith("A containerized application on mycloud")

    apply(client, "database", "orders", {"name": "orders", "size_gb": 2})
    marker = {"__dependency__": True, "provider": PROVIDER, "resource": "database", "name": "orders"}
    apply(client, "app", "web", {"database": marker, "image": "ghcr.io/acme/web:1", "replicas": 2})
    database = client.wait_ready(PROVIDER, "database", "orders", timeout=WAIT_SECONDS)
    app = client.wait_ready(PROVIDER, "app", "web", timeout=WAIT_SECONDS)
    assert isinstance(database, dict)
    assert isinstance(app, dict)
    assert app["outputs"] == {
        "url": "https://web.apps.mycloud.example",
        "database_url": "postgres://.../orders",
    }
    # The DNS record the app's handler applied is ready and owned by the app.
    record = client.get_resource(PROVIDER, "dns", "web-dns")
    assert isinstance(record, dict)
    assert (record["lifecycle_state"], record["outputs"]) == ("ready", {"fqdn": "web.apps.mycloud.example"})
    assert [owner["name"] for owner in record["owner_references"]] == ["web"]

    # health(): what each handler returns, and the SDK's default for a type without one.
    assert client.get_resource_health(PROVIDER, "database", "orders") == {
        "status": "healthy",
        "message": "Database orders accepts connections",
        "details": {"size_gb": 2},
    }
    assert client.get_resource_health(PROVIDER, "app", "web") == {
        "status": "healthy",
        "message": "2/2 replicas serving https://web.apps.mycloud.example",
        "details": {"replicas": 2, "url": "https://web.apps.mycloud.example"},
    }
    assert client.get_resource_health(PROVIDER, "dns", "web-dns")["status"] == "healthy"

    # logs(): the lines the async generators yield, built from the resource the worker was sent.
    database_logs = client.get_resource_logs(PROVIDER, "database", "orders")
    assert levels_and_messages(database_logs) == [
        ("info", "database system is ready to accept connections"),
        ("info", "created database orders (2 GiB)"),
        ("warn", "only 2 GiB of disk: consider resizing"),
    ]
    assert database_logs[0]["metadata"] == {"database": "orders"}
    assert datetime.fromisoformat(database_logs[0]["timestamp"]) == datetime.fromisoformat(
        database["created_at"]
    )
    app_logs = client.get_resource_logs(PROVIDER, "app", "web", tail=1)
    assert levels_and_messages(app_logs) == [("info", "replica 1 serving ghcr.io/acme/web:1")]
    assert app_logs[0]["metadata"] == {"replica": "web-1"}
    assert client.get_resource_logs(PROVIDER, "dns", "web-dns") == []

    # Deleting the app runs its on_delete after the platform deleted the record it owns.
    client.delete_resource(PROVIDER, "app", "web")
    eventually(
        lambda: gone(client, "app", "web") and gone(client, "dns", "web-dns"), "the app and its record gone"
    )

    removed = client.delete_provider(PROVIDER, cascade=True)
    assert (removed.deployment_deleted, removed.resources_deleted) == (True, 1)
