"""``pragma-os serve`` first start: bootstrap organization, printed token, credentials file.

Every test here is a smoke test: ``scripts/test-py313.sh`` runs it on Python 3.13 as well.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from testing.fixtures.db import DATABASES, dispose_database_url, make_database_url
from testing.fixtures.server import ENGINE_ARGS, ENGINE_ENV, RunningServer, start_server

pytestmark = pytest.mark.smoke

QUICK_START = """
from pragma_sdk import PragmaClient
with PragmaClient() as client:
    print(client.get_me().organization_name)
"""


@pytest.mark.parametrize("kind", DATABASES)
def test_first_start_generates_a_token_and_writes_credentials(tmp_path: Path, kind: str) -> None:
    database_url = make_database_url(kind, tmp_path)
    server = start_server(tmp_path, database_url, bootstrap_token=None)
    try:
        printed = re.search(r"Admin API token \(shown once\): (prg_\S+)", server.log())
        assert printed, server.log()
        token = printed.group(1)
        credentials = server.home / ".config" / "pragma" / "credentials"
        assert credentials.read_text() == f"default={token}\n"
        assert credentials.stat().st_mode & 0o777 == 0o600
        # The quick start: PragmaClient() with nothing configured by hand.
        env = {**server.env, "PRAGMA_API_URL": server.url}
        quick = subprocess.run(
            [sys.executable, "-c", QUICK_START],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert quick.stdout.strip() == "default", quick.stderr
    finally:
        server.stop()
    # A restart on the same database bootstraps nothing and keeps the token valid.
    again = start_server(tmp_path, database_url, bootstrap_token=None)
    try:
        assert "Admin API token" not in again.log()
        me = httpx.get(f"{again.url}/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
    finally:
        again.stop()
        dispose_database_url(database_url)


def test_bootstrap_token_from_environment_and_no_write_credentials(tmp_path: Path) -> None:
    database_url = make_database_url("sqlite", tmp_path)
    server = start_server(
        tmp_path, database_url, bootstrap_token="prg_known", extra_args=("--no-write-credentials",)
    )
    try:
        me = httpx.get(f"{server.url}/auth/me", headers={"Authorization": "Bearer prg_known"})
        assert me.json()["organization_name"] == "default"
        assert not (server.home / ".config" / "pragma" / "credentials").exists()
    finally:
        server.stop()


def test_sqlite_default_lives_in_the_data_dir_in_wal_mode(tmp_path: Path) -> None:
    import os
    import socket
    import sqlite3
    import time

    from testing.fixtures.server import isolated_env
    from testing.processes import free_port

    home = tmp_path / "home"
    data_dir = tmp_path / "data"
    port = free_port()
    env = isolated_env(home, PRAGMA_DATA_DIR=str(data_dir), PRAGMA_BOOTSTRAP_TOKEN="prg_x")
    process = subprocess.Popen(
        [sys.executable, "-m", "pragma_os", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        assert (data_dir / "pragma.db").exists()
        assert os.stat(data_dir).st_mode & 0o777 == 0o700
        with sqlite3.connect(data_dir / "pragma.db") as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "pragma_os", "db", "upgrade", "--data-dir", str(tmp_path / "d")],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout


def test_workers_of_a_killed_server_stop_by_themselves(tmp_path: Path) -> None:
    server = start_server(
        tmp_path, make_database_url("sqlite", tmp_path), extra_args=ENGINE_ARGS, extra_env=ENGINE_ENV
    )
    try:
        pattern = f"pragma_sdk.worker.*{server.url}"
        workers = _wait_for_pids(pattern)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        deadline = time.monotonic() + 30
        while alive := [pid for pid in workers if pid in _pids(pattern)]:
            assert time.monotonic() < deadline, f"workers {alive} outlived their server"
            time.sleep(0.1)
    finally:
        server.stop()


@pytest.mark.parametrize("engine_server", ["sqlite"], indirect=True)
def test_the_server_and_its_workers_run_on_the_python_running_the_tests(engine_server: RunningServer) -> None:
    # What makes the smoke run on a second Python mean something: not only the tests but the
    # server and the workers it starts run on it, in the same environment.
    workers = _wait_for_pids(f"pragma_sdk.worker.*{engine_server.url}")
    for pid in (engine_server.process.pid, *workers):
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        assert argv0 == sys.executable, f"process {pid} runs {argv0}"
        assert Path(f"/proc/{pid}/exe").resolve() == Path(sys.executable).resolve()


def _wait_for_pids(pattern: str) -> list[int]:
    deadline = time.monotonic() + 30
    while not (found := _pids(pattern)):
        assert time.monotonic() < deadline, f"no process matches {pattern!r}"
        time.sleep(0.1)
    return found


def _pids(pattern: str) -> list[int]:
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split()]
