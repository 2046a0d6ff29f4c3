"""Where no sandbox can be set up the server refuses pushed code, unless told to run it open."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from pragma_sdk import BuildStatus
from testing.fixtures.db import make_database_url
from testing.fixtures.pipeline import pushed
from testing.fixtures.provider_projects import tarball, widget_project
from testing.fixtures.server import RunningServer, start_server


@pytest.fixture
def without_bubblewrap(tmp_path: Path) -> Path:
    """A PATH on which bwrap, setpriv and prlimit cannot be found."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    return empty


def serve(root: Path, path: Path, *extra_args: str) -> RunningServer:
    return start_server(
        root, make_database_url("sqlite", root), extra_args=extra_args, extra_env={"PATH": str(path)}
    )


def test_a_server_without_a_sandbox_refuses_pushed_code_with_503(
    tmp_path: Path, without_bubblewrap: Path
) -> None:
    server = serve(tmp_path / "server", without_bubblewrap)
    try:
        response = httpx.post(
            f"{server.url}/providers/widgets/push",
            headers={"Authorization": f"Bearer {server.token}"},
            files={"code": ("code.tar.gz", tarball(widget_project(tmp_path, "widgets")), "application/gzip")},
        )
        assert response.status_code == 503
        message = response.json()["detail"]["message"]
        assert "bwrap" in message
        assert "--insecure-unsandboxed" in message
        deploy = httpx.post(
            f"{server.url}/providers/widgets/deploy",
            headers={"Authorization": f"Bearer {server.token}"},
            json={},
        )
        assert deploy.status_code == 404  # nothing was stored by the refused push
        assert "No sandbox for pushed provider code" in server.log()
    finally:
        server.stop()


def test_insecure_unsandboxed_runs_pushed_code_and_says_so_loudly(
    tmp_path: Path, without_bubblewrap: Path
) -> None:
    server = serve(tmp_path / "server", without_bubblewrap, "--insecure-unsandboxed")
    try:
        assert "INSECURE: --insecure-unsandboxed is set" in server.log()
        with server.client() as client:
            build = pushed(client, "widgets", widget_project(tmp_path, "widgets"))
            assert build.status == BuildStatus.SUCCESS, build.error_message
            with client.stream_build_logs("widgets", build.version) as response:
                log = list(response.iter_lines())
        assert log
        assert not any(line.startswith("==> sandbox:") for line in log)
    finally:
        server.stop()
