"""Provider logs over HTTP: worker output goes to the provider's log, redacted, never to the server's."""

from __future__ import annotations

import queue
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pragma_sdk import DeploymentStatus, PragmaClient
from testing.fixtures.db import make_database_url
from testing.fixtures.pipeline import deployed, pushed
from testing.fixtures.provider_projects import printing_project, tarball
from testing.fixtures.server import RunningServer, new_tenant_token, start_server
from testing.fixtures.waiting import eventually

WAIT_SECONDS = 60


def apply_secret(client: PragmaClient, name: str, value: str) -> None:
    client.apply_resource(
        {"provider": "pragma", "resource": "secret", "name": name, "config": {"data": {"token": value}}}
    )
    client.wait_ready("pragma", "secret", name, timeout=WAIT_SECONDS)


def apply_widget(client: PragmaClient, provider: str, name: str, secret: str) -> None:
    reference = {"provider": "pragma", "resource": "secret", "name": secret, "field": "outputs.token"}
    client.apply_resource(
        {"provider": provider, "resource": "widget", "name": name, "config": {"token": reference}}
    )
    client.wait_ready(provider, "widget", name, timeout=WAIT_SECONDS)


def log_lines(client: PragmaClient, provider: str, **options: Any) -> list[str]:
    return list(client.stream_provider_logs(provider, **options))


def logged(client: PragmaClient, provider: str, text: str) -> list[str]:
    """The worker log once a line holding ``text`` is in it (the server writes it as it reads it)."""

    def holding() -> list[str] | None:
        lines = log_lines(client, provider)
        return lines if any(text in line for line in lines) else None

    found: list[str] = eventually(holding, f"{text!r} in the worker log")
    return found


def test_worker_output_is_in_the_provider_log_redacted_and_not_in_the_servers(
    server: RunningServer, client: PragmaClient, tmp_path: Path, provider_name: str
) -> None:
    value = f"s3cret-{uuid.uuid4().hex}"
    apply_secret(client, f"{provider_name}-token", value)
    build = pushed(client, provider_name, printing_project(tmp_path, provider_name))
    assert deployed(client, provider_name).healthy
    apply_widget(client, provider_name, "first", f"{provider_name}-token")

    lines = logged(client, provider_name, "handler first saw")
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    worker = re.escape(f"[{provider_name}@{build.version}#0]")
    assert any(re.fullmatch(rf"{stamp} {worker} handler first saw \[redacted\]", line) for line in lines), (
        lines
    )
    assert any(re.fullmatch(rf"{stamp} {worker} ==> started \(pid \d+\)", line) for line in lines), lines
    assert not any(value in line for line in lines)
    logged(client, provider_name, "handler first also writes to stderr")

    server_log = server.log()
    assert value not in server_log
    assert "handler first" not in server_log
    assert f"Started worker {provider_name}@{build.version}#0 (pid" in server_log

    # The same version named explicitly; the last lines only; the build log instead.
    assert log_lines(client, provider_name, version=build.version)[: len(lines)] == lines
    assert log_lines(client, provider_name, tail=1) == log_lines(client, provider_name)[-1:]
    assert log_lines(client, provider_name, tail=0) == []
    build_lines = log_lines(client, provider_name, build=True)
    assert build_lines[-1].startswith("==> build succeeded"), build_lines
    assert log_lines(client, provider_name, build=True, tail=2) == build_lines[-2:]

    # Following: a line printed after the request started arrives on the open response.
    arrived: queue.Queue[str] = queue.Queue()

    def follow() -> None:
        with server.client() as follower:
            for line in follower.stream_provider_logs(provider_name, follow=True, tail=0):
                arrived.put(line)
                if "handler second saw" in line:
                    return

    following = threading.Thread(target=follow, daemon=True)
    following.start()
    time.sleep(0.5)  # the request is open before the line is printed
    apply_widget(client, provider_name, "second", f"{provider_name}-token")
    following.join(WAIT_SECONDS)
    assert not following.is_alive(), "the followed log never showed the new line"
    followed = list(arrived.queue)
    assert any("handler second saw [redacted]" in line for line in followed), followed
    assert not any("handler first saw" in line for line in followed), followed

    client.delete_provider(provider_name, cascade=True)
    client.delete_resource("pragma", "secret", f"{provider_name}-token")


def test_unknown_versions_missing_logs_and_other_organizations_get_404(
    server: RunningServer, client: PragmaClient, tmp_path: Path, provider_name: str
) -> None:
    def status_of(reader: PragmaClient, provider: str, **options: Any) -> tuple[int, str]:
        with pytest.raises(httpx.HTTPStatusError) as refused:
            log_lines(reader, provider, **options)
        return refused.value.response.status_code, str(refused.value)

    assert status_of(client, provider_name)[0] == 404  # no such provider
    build = pushed(client, provider_name, printing_project(tmp_path, provider_name))
    code, message = status_of(client, provider_name)  # built, never deployed
    assert code == 404
    assert "have not run" in message
    assert status_of(client, provider_name, version="20200101.000000")[0] == 404
    assert log_lines(client, provider_name, build=True)[-1].startswith("==> build succeeded")

    token = new_tenant_token(server, f"org-{provider_name}", "intruder@example.com")
    with PragmaClient(base_url=server.url, auth_token=token) as intruder:
        for options in ({}, {"build": True}, {"version": build.version, "build": True}):
            assert status_of(intruder, provider_name, **options)[0] == 404
    bad_tail = httpx.get(
        f"{server.url}/providers/{provider_name}/logs",
        params={"tail": -1},
        headers={"Authorization": f"Bearer {server.token}"},
    )
    assert bad_tail.status_code == 422
    client.delete_provider(provider_name, cascade=True)


def test_a_worker_that_keeps_crashing_leaves_its_traceback_in_its_log(
    server: RunningServer, client: PragmaClient, tmp_path: Path, provider_name: str
) -> None:
    crashing = "import os\nif os.environ.get('PRAGMA_AUTH_TOKEN'):  # a worker, not the build\n"
    crashing += "    raise RuntimeError('cannot reach the cloud')\n"
    project = printing_project(tmp_path, provider_name)
    module = project / f"{provider_name}_widgets" / "__init__.py"
    module.write_text(crashing + module.read_text())
    build = pushed(client, provider_name, project)
    status = deployed(client, provider_name)
    assert status.status == DeploymentStatus.FAILED
    assert f"/providers/{provider_name}/logs?version={build.version}" in (status.error or "")
    lines = log_lines(client, provider_name, version=build.version)
    assert any(line.endswith("RuntimeError: cannot reach the cloud") for line in lines), lines
    assert sum("==> exited with code 1" in line for line in lines) >= 3, lines
    assert "cannot reach the cloud" not in server.log()
    assert f"Worker {provider_name}@{build.version}#0 exited with 1; restarting" in server.log()
    client.delete_provider(provider_name, cascade=True)


async def test_the_async_client_reads_provider_logs_too(
    server: RunningServer, tmp_path: Path, provider_name: str
) -> None:
    async with server.async_client() as client:
        result = await client.push_provider(provider_name, tarball(printing_project(tmp_path, provider_name)))
        lines = [
            line
            async for line in client.stream_provider_logs(
                provider_name, result.version, build=True, follow=True
            )
        ]
        assert lines[-1].startswith("==> build succeeded")
        await client.delete_provider(provider_name, cascade=True)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server of this test alone (it gets restarted)."""
    running = start_server(tmp_path / "server", make_database_url("sqlite", tmp_path / "server"))
    yield running
    running.stop()


def test_secrets_applied_before_a_restart_are_redacted_after_it(
    own_server: RunningServer, tmp_path: Path, provider_name: str
) -> None:
    value = f"before-restart-{uuid.uuid4().hex}"
    with own_server.client() as client:
        apply_secret(client, "token", value)
        pushed(client, provider_name, printing_project(tmp_path, provider_name))
        assert deployed(client, provider_name).healthy
    own_server.stop()
    restarted = start_server(own_server.home.parent, own_server.database_url)
    try:
        with PragmaClient(base_url=restarted.url, auth_token=own_server.token) as client:
            eventually(
                lambda: client.get_deployment_status(provider_name).healthy, "the provider to come back"
            )
            apply_widget(client, provider_name, "after", "token")
            lines = logged(client, provider_name, "handler after saw")
            assert any(line.endswith("handler after saw [redacted]") for line in lines), lines
            assert not any(value in line for line in lines)
            # The log of the run before the restart is kept; each run says it started and ended.
            assert sum("==> started (pid" in line for line in lines) == 2, lines
            assert any("==> exited with code" in line for line in lines), lines
        assert value not in restarted.log() + own_server.log()
    finally:
        restarted.stop()
