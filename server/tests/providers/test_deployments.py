"""Deployments over time: a rollout keeps in-flight work, crashed workers come back, restarts too."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pragma_sdk import BuildStatus, DeploymentStatus, PragmaClient
from testing.fixtures.db import make_database_url
from testing.fixtures.pipeline import deployed, pushed
from testing.fixtures.provider_projects import widget_project
from testing.fixtures.server import RunningServer, start_server
from testing.fixtures.waiting import eventually

WAIT_SECONDS = 60


def worker_pids(provider_id: str) -> list[int]:
    """The worker processes themselves, not the sandboxes around them (whose command lines
    hold the worker's)."""
    found = subprocess.run(
        ["pgrep", "-f", f"worker-id [0-9a-f]+[.][0-9a-f]+/{provider_id}@"],
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(pid) for pid in found.stdout.split() if _command(int(pid)) != "bwrap"]


def _command(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server of this test alone (it gets restarted)."""
    running = start_server(tmp_path / "server", make_database_url("sqlite", tmp_path / "server"))
    yield running
    running.stop()


def widget(client: PragmaClient, provider_id: str, name: str, **config: Any) -> dict[str, Any]:
    client.apply_resource({"provider": provider_id, "resource": "widget", "name": name, "config": config})
    ready = client.wait_ready(provider_id, "widget", name, timeout=WAIT_SECONDS)
    assert isinstance(ready, dict)
    return ready


def test_a_new_version_takes_over_without_losing_the_event_the_old_one_holds(
    own_server: RunningServer, tmp_path: Path, provider_name: str
) -> None:
    with own_server.client() as client:
        first = pushed(client, provider_name, widget_project(tmp_path / "v1", provider_name, label="v1"))
        second = pushed(client, provider_name, widget_project(tmp_path / "v2", provider_name, label="v2"))
        assert (first.status, second.status) == (BuildStatus.SUCCESS, BuildStatus.SUCCESS)
        assert deployed(client, provider_name, first.version).healthy

        client.apply_resource(
            {
                "provider": provider_name,
                "resource": "widget",
                "name": "slow",
                "config": {"size": 1, "seconds": 2},
            }
        )
        eventually(
            lambda: client.get_resource(provider_name, "widget", "slow")["lifecycle_state"] == "processing",  # type: ignore[index]
            "the v1 worker to take the event",
        )
        old_workers = worker_pids(provider_name)
        assert len(old_workers) == 1
        status = deployed(client, provider_name, second.version)
        assert (status.status, status.version, status.healthy) == (
            DeploymentStatus.AVAILABLE,
            second.version,
            True,
        )

        slow = client.wait_ready(provider_name, "widget", "slow", timeout=WAIT_SECONDS)
        assert isinstance(slow, dict)
        assert slow["outputs"]["version"] == "v1"  # finished by the worker that held it
        eventually(lambda: not set(old_workers) & set(worker_pids(provider_name)), "the v1 workers to stop")
        assert widget(client, provider_name, "after", size=2)["outputs"]["version"] == "v2"


def test_crashed_workers_restart_and_deployments_come_back_after_a_server_restart(
    own_server: RunningServer, tmp_path: Path, provider_name: str
) -> None:
    headers = {"Authorization": f"Bearer {own_server.token}"}
    with own_server.client() as client:
        build = pushed(client, provider_name, widget_project(tmp_path, provider_name))
        assert deployed(client, provider_name).healthy
        assert widget(client, provider_name, "before", size=1)["outputs"]["size"] == 1

        (pid,) = worker_pids(provider_name)
        os.kill(pid, signal.SIGKILL)
        status = eventually(
            lambda: (
                body
                if (
                    body := httpx.get(
                        f"{own_server.url}/providers/{provider_name}/deployment", headers=headers
                    ).json()
                )["restarts"]
                >= 1
                and body["healthy"]
                else None
            ),
            "the crashed worker to be restarted",
        )
        assert status["status"] == "available"
        assert widget(client, provider_name, "after-crash", size=2)["outputs"]["size"] == 2

    own_server.stop()
    assert worker_pids(provider_name) == []
    restarted = start_server(own_server.home.parent, own_server.database_url)
    try:
        with PragmaClient(base_url=restarted.url, auth_token=own_server.token) as client:
            status = eventually(
                lambda: (s := client.get_deployment_status(provider_name)).healthy and s,
                "the provider to come back",
            )
            assert (status.status, status.version) == (DeploymentStatus.AVAILABLE, build.version)
            assert widget(client, provider_name, "after-restart", size=3)["outputs"]["size"] == 3
    finally:
        restarted.stop()
    assert worker_pids(provider_name) == []


def test_events_leased_to_workers_a_rollout_stopped_go_back_to_the_queue_at_once(tmp_path: Path) -> None:
    # Leases last 10 minutes here: only the rollout handing the event back can make it ready
    # within the wait below.
    root = tmp_path / "server"
    running = start_server(root, make_database_url("sqlite", root), extra_env={"PRAGMA_LEASE_SECONDS": "600"})
    provider_name = f"w{os.getpid()}x"
    try:
        with running.client() as client:
            first = pushed(client, provider_name, widget_project(tmp_path / "v1", provider_name, label="v1"))
            second = pushed(client, provider_name, widget_project(tmp_path / "v2", provider_name, label="v2"))
            assert deployed(client, provider_name, first.version).healthy
            (old_worker,) = worker_pids(provider_name)
            # Frozen, the v1 worker never sees the event its parked poll is answered with: as a
            # worker stopped while that answer is on its way.
            os.kill(old_worker, signal.SIGSTOP)
            client.apply_resource(
                {"provider": provider_name, "resource": "widget", "name": "held", "config": {"size": 1}}
            )
            eventually(
                lambda: (
                    client.get_resource(provider_name, "widget", "held")["lifecycle_state"] == "processing"
                ),  # type: ignore[index]
                "the frozen v1 worker's poll to take the event",
            )
            assert deployed(client, provider_name, second.version).healthy
            os.kill(old_worker, signal.SIGKILL)  # the rollout's SIGTERM waits on a frozen process

            held = client.wait_ready(provider_name, "widget", "held", timeout=WAIT_SECONDS)
            assert isinstance(held, dict)
            assert held["outputs"]["version"] == "v2"
            history = client.get_resource_history(provider_name, "widget", "held")
            assert [entry["cause"] for entry in history] == [
                "success",
                "lease",
                "retryable_failure",
                "lease",
                "apply",
            ]
    finally:
        running.stop()
