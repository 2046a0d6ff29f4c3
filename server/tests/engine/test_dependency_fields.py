"""Dependencies written the way users write them, and the types of ``--provider-package`` providers.

The engine server runs ``mycloud`` (``examples/mycloud``) from an installed package: its types
are registered at start, so applies to them are checked and marker-less whole-resource
dependencies are recognized from the schema.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pragma_sdk import PragmaClient
from pragma_sdk.models import resource_id
from testing.fixtures.server import RunningServer, isolated_env

PRAGMA = Path(sys.executable).parent / "pragma"


@pytest.fixture
def http(engine_server: RunningServer) -> Iterator[httpx.Client]:
    """Raw HTTP to the engine server, as its bootstrap admin."""
    headers = {"Authorization": f"Bearer {engine_server.token}"}
    with httpx.Client(base_url=engine_server.url, headers=headers, timeout=30) as client:
        yield client


def test_yaml_with_a_marker_less_dependency_becomes_ready_with_it_resolved(
    client: PragmaClient, http: httpx.Client, engine_server: RunningServer, unique: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        f"""\
provider: mycloud
resource: app
name: {unique}-web
config:
  database:
    provider: mycloud
    resource: database
    name: {unique}-db
  image: nginx
---
provider: mycloud
resource: database
name: {unique}-db
config:
  name: orders
"""
    )
    env = isolated_env(tmp_path, PRAGMA_API_URL=engine_server.url, PRAGMA_AUTH_TOKEN=engine_server.token)
    applied = subprocess.run(
        [str(PRAGMA), "resources", "apply", str(manifest), "--wait", "--timeout", "60"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr

    app = client.get_resource("mycloud", "app", f"{unique}-web")
    assert isinstance(app, dict)
    assert app["lifecycle_state"] == "ready", app
    # The handler resolved the dependency: the URL comes from the database's outputs.
    assert app["outputs"]["database_url"] == "postgres://.../orders"
    assert app["config"]["database"] == {
        "__dependency__": True,
        "provider": "mycloud",
        "resource": "database",
        "name": f"{unique}-db",
    }

    # It is a dependency like any other: the database cannot go while the app needs it.
    refused = http.delete(f"/resources/{resource_id('mycloud', 'database', f'{unique}-db')}")
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"]["dependents"] == [f"mycloud/app/{unique}-web"]


def test_a_dependency_field_takes_only_a_resource_of_its_type(http: httpx.Client, unique: str) -> None:
    def app(database: object) -> httpx.Response:
        config = {"database": database, "image": "nginx"}
        return http.post(
            "/resources/apply",
            json={"provider": "mycloud", "resource": "app", "name": f"{unique}-web", "config": config},
        )

    refused = app("orders")
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"]["field"] == "config.database"
    assert refused.json()["detail"]["message"] == (
        "config.database: must be a dependency on a mycloud/database resource: "
        "{provider: ..., resource: ..., name: ...}"
    )

    wrong_type = app({"provider": "mycloud", "resource": "dns", "name": "x"})
    assert wrong_type.status_code == 422, wrong_type.text
    assert wrong_type.json()["detail"]["field"] == "config.database.resource"

    missing_name = app({"provider": "mycloud", "resource": "database"})
    assert missing_name.status_code == 422, missing_name.text
    assert missing_name.json()["detail"]["field"] == "config.database.name"
    assert http.get(f"/resources/mycloud/app/{unique}-web").status_code == 404


def test_package_provider_types_are_listed_and_check_applies(http: httpx.Client, unique: str) -> None:
    types = http.get("/resources/types", params={"provider": "mycloud"})
    assert types.status_code == 200, types.text
    assert [item["resource"] for item in types.json()] == ["app", "database", "dns"]
    database = next(item for item in types.json() if item["resource"] == "database")
    assert database["schema"]["required"] == ["name"]
    assert "connection_url" in database["outputs_schema"]["properties"]

    refused = http.post(
        "/resources/apply",
        json={
            "provider": "mycloud",
            "resource": "database",
            "name": f"{unique}-db",
            "config": {"size_gb": "big"},
        },
    )
    assert refused.status_code == 422, refused.text
    assert {error["field"] for error in refused.json()["detail"]["errors"]} == {
        "config.name",
        "config.size_gb",
    }
