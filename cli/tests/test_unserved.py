"""``pragma resources apply --wait`` and ``describe`` for a provider no worker serves: they say
so instead of waiting silently, and ``apply --wait`` gives up after a grace period."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from testing.fixtures.provider_projects import widget_project
from testing.fixtures.server import RunningServer, start_worker

from .running import SQLITE_ONLY, Pragma, logged_in

pytestmark = pytest.mark.parametrize("server", SQLITE_ONLY, indirect=True)


def _manifest(path: Path, provider: str, name: str) -> Path:
    path.write_text(
        yaml.safe_dump({"provider": provider, "resource": "widget", "name": name, "config": {"size": 1}})
    )
    return path


def test_apply_wait_reports_a_provider_without_worker_and_gives_up_after_the_grace(
    pragma: Pragma, server: RunningServer, provider_name: str, tmp_path: Path
) -> None:
    cli = logged_in(pragma, server)
    manifest = _manifest(tmp_path / "widget.yaml", provider_name, "lonely")
    waited = cli("resources", "apply", str(manifest), "--wait", env={"PRAGMA_WORKER_GRACE_SECONDS": "1"})
    assert waited.code == 1, str(waited)
    said = f"no worker of provider {provider_name} has connected"
    # Shown while it waits (a line per change when not on a terminal), then as the reason it stopped.
    assert f"{provider_name}/widget/lonely [PENDING] {said}" in waited.err, str(waited)
    error = waited.error_line()
    assert said in error
    assert f"{provider_name}/widget/lonely still pending after 1 s" in error
    described = cli.ok("resources", "describe", f"{provider_name}/widget", "lonely")
    assert said in " ".join(described.out.split())


def test_apply_wait_goes_on_once_a_worker_connects(
    pragma: Pragma,
    server: RunningServer,
    provider_name: str,
    tmp_path: Path,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    cli = logged_in(pragma, server)
    project = widget_project(tmp_path / "project", provider_name)
    processes.append(start_worker(server, project))
    manifest = _manifest(tmp_path / "widget.yaml", provider_name, "served")
    waited = cli.ok("resources", "apply", str(manifest), "--wait", "--timeout", "120")
    assert f"{provider_name}/widget/served ready" in waited.out
