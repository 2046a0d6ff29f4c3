"""``pragma providers deploy|rollback`` to a version without a resource type still in use: refused
with the resources named, unless ``--force``."""

from __future__ import annotations

from pathlib import Path

import pytest

from pragma_sdk import BuildStatus
from testing.fixtures.pipeline import deployed, pushed
from testing.fixtures.provider_projects import widget_project
from testing.fixtures.server import RunningServer
from testing.fixtures.two_types import two_types_project

from .running import SQLITE_ONLY, Pragma, logged_in

pytestmark = pytest.mark.parametrize("server", SQLITE_ONLY, indirect=True)


def test_rollback_dropping_a_type_in_use_is_refused_unless_forced(
    pragma: Pragma, server: RunningServer, provider_name: str, tmp_path: Path
) -> None:
    with server.client(timeout=30) as client:
        widget_only = pushed(client, provider_name, widget_project(tmp_path / "v0", provider_name))
        both = pushed(client, provider_name, two_types_project(tmp_path / "v1", provider_name))
        assert (widget_only.status, both.status) == (BuildStatus.SUCCESS, BuildStatus.SUCCESS)
        deployed(client, provider_name, both.version)
    cli = logged_in(pragma, server)
    manifest = tmp_path / "gadget.yaml"
    manifest.write_text(f"provider: {provider_name}\nresource: gadget\nname: g1\nconfig:\n  size: 3\n")
    cli.ok("resources", "apply", str(manifest), "--wait", "--timeout", "120")

    for command in ("rollback", "deploy"):
        refused = cli("providers", command, provider_name, widget_only.version)
        assert refused.code == 1, str(refused)
        error = refused.error_line()
        assert "HTTP 409" in error
        assert f"no resource type gadget, which 1 resource(s) still use: {provider_name}/gadget/g1" in error
        assert "--force" in error
    assert both.version in cli.ok("providers", "status", provider_name).out

    forced = cli.ok("providers", "rollback", provider_name, widget_only.version, "--force")
    assert f"Rolled {provider_name} back to {widget_only.version}: available" in forced.out
