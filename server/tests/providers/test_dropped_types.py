"""A deploy or rollback to a version without a resource type that resources still use is
refused with 409 listing them, unless forced."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from pragma_sdk import BuildStatus, DeploymentStatus, PragmaClient
from testing.fixtures.pipeline import deployed, pushed, settled
from testing.fixtures.provider_projects import widget_project
from testing.fixtures.server import RunningServer, new_tenant_token
from testing.fixtures.two_types import two_types_project

# Two builds and three rollouts: the check is one query, the same on both databases.
pytestmark = pytest.mark.parametrize("server", ["sqlite"], indirect=True)


def test_a_version_dropping_a_type_in_use_is_refused_unless_forced(
    server: RunningServer, tmp_path: Path, provider_name: str
) -> None:
    # An organization of its own: other tests list the providers of the admin's.
    token = new_tenant_token(server, f"org-{provider_name}", "dropped-types@example.com")
    with PragmaClient(base_url=server.url, auth_token=token, timeout=30) as client:
        widget_only = pushed(client, provider_name, widget_project(tmp_path / "v0", provider_name))
        both = pushed(client, provider_name, two_types_project(tmp_path / "v1", provider_name))
        assert (widget_only.status, both.status) == (BuildStatus.SUCCESS, BuildStatus.SUCCESS)
        assert deployed(client, provider_name, both.version).version == both.version
        client.apply_resource(
            {"provider": provider_name, "resource": "gadget", "name": "g00", "config": {"size": 1}}
        )
        assert client.wait_ready(provider_name, "gadget", "g00", timeout=60)
        for number in range(1, 22):  # drafts are resources too: 22 gadgets in all
            client.apply_resource(
                {
                    "provider": provider_name,
                    "resource": "gadget",
                    "name": f"g{number:02}",
                    "config": {"size": 1},
                    "lifecycle_state": "draft",
                }
            )
        client.apply_resource(
            {"provider": provider_name, "resource": "widget", "name": "w", "config": {"size": 1}}
        )

    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
        for route in ("deploy", "rollback"):
            refused = http.post(f"/providers/{provider_name}/{route}", json={"version": widget_only.version})
            assert refused.status_code == 409, (route, refused.text)
            detail = refused.json()["detail"]
            assert detail["dropped_types"] == ["gadget"]
            assert detail["resource_count"] == 22
            assert detail["resources"] == [f"{provider_name}/gadget/g{number:02}" for number in range(20)]
            assert "no resource type gadget, which 22 resource(s) still use" in detail["message"]
            assert "and 2 more" in detail["message"]
            assert "force" in detail["message"]
        # Nothing was started: the version with both types still runs.
        assert http.get(f"/providers/{provider_name}/deployment").json()["version"] == both.version

    with PragmaClient(base_url=server.url, auth_token=token, timeout=30) as client:
        with pytest.raises(httpx.HTTPStatusError) as raised:
            client.deploy_provider(provider_name, widget_only.version)
        assert raised.value.response.status_code == 409
        with pytest.raises(httpx.HTTPStatusError) as raised:
            client.rollback_provider(provider_name, widget_only.version)
        assert raised.value.response.status_code == 409
        forced = client.rollback_provider(provider_name, widget_only.version, force=True)
        assert (forced.status, forced.version) == (DeploymentStatus.PROGRESSING, widget_only.version)
        status = settled(client, provider_name)
        assert (status.status, status.version) == (DeploymentStatus.AVAILABLE, widget_only.version)
        # Back to the version with both types: it drops nothing, so no force is needed.
        assert deployed(client, provider_name, both.version).version == both.version
        # /deploy takes force too.
        assert client.deploy_provider(provider_name, widget_only.version, force=True).status == (
            DeploymentStatus.PROGRESSING
        )
        assert settled(client, provider_name).version == widget_only.version
