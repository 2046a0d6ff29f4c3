"""A hostile tenant's provider, through the real pipeline: its build hook and its handlers try
to read the server's key, database, credentials and environment, another organization's
providers and files, to write outside their directory, signal the server, fork without bound,
allocate 4 GiB and use the worker's token beyond a worker's job. Every attempt must fail,
the server must stay healthy, and another organization's workers must carry on.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pragma_sdk import BuildStatus, DeploymentStatus, PragmaClient
from testing.fixtures.db import make_database_url
from testing.fixtures.pipeline import deployed, pushed
from testing.fixtures.provider_projects import REPOSITORY, widget_project
from testing.fixtures.server import RunningServer, new_tenant_token, start_server

HOSTILE_PROJECT = REPOSITORY / "testing" / "providers" / "hostile"
WAIT_SECONDS = 60
FOUR_GIB = 4 * 1024**3


def _sandboxable() -> bool:
    return os.geteuid() == 0 and all(shutil.which(tool) for tool in ("bwrap", "setpriv", "prlimit"))


pytestmark = pytest.mark.skipif(
    not _sandboxable(), reason="the sandbox needs root and bubblewrap ('make test' installs it)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("hostile")
    running = start_server(root, make_database_url("sqlite", root))
    yield running
    running.stop()


class Bystander:
    """Another organization with a deployed provider, a file and a resource."""

    def __init__(self, server: RunningServer, root: Path) -> None:
        self.client = PragmaClient(
            base_url=server.url, auth_token=new_tenant_token(server, "bystander", "b@x.io")
        )
        self.organization_id = self.client.get_me().organization_id
        self.client.upload_file("plans.txt", b"the bystander's plans")
        build = pushed(self.client, "calm", widget_project(root, "calm"))
        assert build.status == BuildStatus.SUCCESS, build.error_message
        assert deployed(self.client, "calm").status == DeploymentStatus.AVAILABLE

    def widget_ready(self, name: str) -> dict[str, Any]:
        self.client.apply_resource(
            {"provider": "calm", "resource": "widget", "name": name, "config": {"size": 1}}
        )
        ready = self.client.wait_ready("calm", "widget", name, timeout=WAIT_SECONDS)
        assert isinstance(ready, dict)
        return ready


@pytest.fixture(scope="module")
def bystander(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bystander]:
    other = Bystander(server, tmp_path_factory.mktemp("bystander"))
    yield other
    other.client.close()


@pytest.fixture(scope="module")
def hostile(server: RunningServer) -> Iterator[PragmaClient]:
    client = PragmaClient(base_url=server.url, auth_token=new_tenant_token(server, "mallory", "m@x.io"))
    yield client
    client.close()


def file_attacks(server: RunningServer, bystander: Bystander, escape: Path) -> dict[str, dict[str, Any]]:
    """What a build hook and a handler both try against the machine."""
    data = server.data_dir.resolve()
    pid = server.process.pid
    return {
        "read the server key": {"kind": "read", "path": str(data / "secret.key")},
        "read the database": {"kind": "read", "path": str(data / "pragma.db")},
        "list the data directory": {"kind": "list", "path": str(data)},
        "list another organization's providers": {
            "kind": "list",
            "path": str(data / "providers" / bystander.organization_id),
        },
        "read another organization's file": {
            "kind": "read",
            "path": str(data / "files" / bystander.organization_id / "plans.txt"),
        },
        "read the server's environment": {"kind": "read", "path": f"/proc/{pid}/environ"},
        "read the server's command line": {"kind": "read", "path": f"/proc/{pid}/cmdline"},
        "read the sandbox init's environment": {"kind": "read", "path": "/proc/1/environ"},
        "read the credentials file": {
            "kind": "read",
            "path": str(server.home / ".config" / "pragma" / "credentials"),
        },
        "write into the data directory": {"kind": "write", "path": str(escape)},
        "write into the system": {"kind": "write", "path": "/usr/pwned"},
        "signal the server": {"kind": "signal", "pid": pid},
        "fork without bound": {"kind": "fork"},
        "allocate 4 GiB": {"kind": "allocate", "bytes": FOUR_GIB},
    }


# The sandbox's own directory is mounted at its real path, so the data directory exists in it as
# an empty parent holding only the way there: listing it shows that name and nothing else.
ONLY_THE_WAY_IN = {"list the data directory": "succeeded: ['providers']"}


def assert_all_blocked(outcomes: dict[str, str]) -> None:
    through = {
        name: outcome
        for name, outcome in outcomes.items()
        if not outcome.startswith("blocked") and ONLY_THE_WAY_IN.get(name) != outcome
    }
    assert not through, f"attacks that got through: {json.dumps(through, indent=2)}"


def test_a_build_hook_cannot_reach_outside_its_sandbox(
    server: RunningServer, bystander: Bystander, hostile: PragmaClient, tmp_path: Path
) -> None:
    project = shutil.copytree(HOSTILE_PROJECT, tmp_path / "hostile")
    escape = server.data_dir / "pwned-by-build"
    attacks = file_attacks(server, bystander, escape)
    (project / "probes.json").write_text(json.dumps(attacks))

    build = pushed(hostile, "hostile", project)

    organization = hostile.get_me().organization_id
    results = (
        server.data_dir
        / "providers"
        / organization
        / "hostile"
        / build.version
        / "build"
        / "build-probes.json"
    )
    outcomes = json.loads(results.read_text())
    assert set(outcomes) == set(attacks)
    assert_all_blocked(outcomes)
    assert not escape.exists()
    assert not Path("/usr/pwned").exists()
    assert httpx.get(f"{server.url}/health").json() == {"status": "ok"}
    bystander.widget_ready("after-hostile-build")


def test_handlers_cannot_reach_outside_their_sandbox_nor_use_their_token_beyond_a_workers_job(
    server: RunningServer, bystander: Bystander, hostile: PragmaClient, tmp_path: Path
) -> None:
    calm_workers = bystander.client.get_deployment_status("calm")
    # The hostile organization's own secret and file: its worker's token must not reach them.
    hostile.apply_resource(
        {"provider": "pragma", "resource": "secret", "name": "own", "config": {"data": {"k": "s3cret-value"}}}
    )
    hostile.wait_ready("pragma", "secret", "own", timeout=WAIT_SECONDS)
    hostile.upload_file("own.txt", b"mallory's own file")
    build = pushed(hostile, "hostile", shutil.copytree(HOSTILE_PROJECT, tmp_path / "hostile"))
    assert build.status == BuildStatus.SUCCESS, build.error_message
    assert deployed(hostile, "hostile").status == DeploymentStatus.AVAILABLE

    escape = server.data_dir / "pwned-by-handler"
    api = server.url
    attacks = {
        **file_attacks(server, bystander, escape),
        "reveal a secret with the worker's token": {
            "kind": "call",
            "method": "POST",
            "url": f"{api}/resources/resource:pragma_secret_own/reveal",
        },
        "download a file with the worker's token": {
            "kind": "call",
            "method": "GET",
            "url": f"{api}/files/own.txt/download",
        },
        "apply a resource with the worker's token": {
            "kind": "call",
            "method": "POST",
            "url": f"{api}/resources/apply",
            "body": json.dumps(
                {
                    "provider": "hostile",
                    "resource": "probe",
                    "name": "planted",
                    "config": {"attack": {"kind": "list", "path": "/"}},
                }
            ),
        },
        "list dead letters with the worker's token": {
            "kind": "call",
            "method": "GET",
            "url": f"{api}/ops/dead-letter",
        },
    }
    outcomes = {}
    for number, (name, attack) in enumerate(attacks.items()):
        probe = f"probe-{number}"
        hostile.apply_resource(
            {"provider": "hostile", "resource": "probe", "name": probe, "config": {"attack": attack}}
        )
        ready = hostile.wait_ready("hostile", "probe", probe, timeout=WAIT_SECONDS)
        assert isinstance(ready, dict)
        outcomes[name] = ready["outputs"]["outcome"]

    assert_all_blocked(outcomes)
    assert not escape.exists()
    assert httpx.get(f"{server.url}/health").json() == {"status": "ok"}
    bystander.widget_ready("after-hostile-handlers")
    after = bystander.client.get_deployment_status("calm")
    assert after.status == DeploymentStatus.AVAILABLE
    assert after.restarts == calm_workers.restarts
