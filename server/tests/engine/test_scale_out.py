"""Two replicas on one PostgreSQL database share the work; one dies and the other finishes it."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import time
from collections import Counter
from pathlib import Path

import httpx

from testing.fixtures.db import dispose_database_url, make_database_url
from testing.fixtures.server import BOOTSTRAP_TOKEN, ENGINE_ENV, start_server

COUNT = 400
HEADERS = {"Authorization": f"Bearer {BOOTSTRAP_TOKEN}"}


def _states(url: str) -> Counter[str]:
    documents = httpx.get(
        f"{url}/resources/", params={"provider": "testkit"}, headers=HEADERS, timeout=30
    ).json()
    return Counter(document["lifecycle_state"] for document in documents)


def _errors(url: str) -> Counter[str]:
    documents = httpx.get(
        f"{url}/resources/", params={"provider": "testkit"}, headers=HEADERS, timeout=30
    ).json()
    return Counter(str(document["error"])[:120] for document in documents if document["error"])


def _worker_pids(port: int) -> list[int]:
    """Worker processes started by the replica listening on ``port``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "pragma_sdk.worker" in command and f"127.0.0.1:{port}" in command:
            pids.append(int(entry.name))
    return pids


def test_two_replicas_share_work_and_survive_one_dying(tmp_path: Path) -> None:
    database_url = make_database_url("postgres", tmp_path)
    env = {**ENGINE_ENV, "PRAGMA_LEASE_SECONDS": "2"}
    first = start_server(
        tmp_path / "a", database_url, extra_args=("--provider-package", "testkit_provider"), extra_env=env
    )
    second = start_server(
        tmp_path / "b", database_url, extra_args=("--provider-package", "testkit_provider"), extra_env=env
    )
    try:
        urls = [first.url, second.url]

        def apply(index: int) -> int:
            body = {
                "provider": "testkit",
                "resource": "item",
                "name": f"r{index}",
                "config": {"value": str(index), "sleep": 0.02},
            }
            return httpx.post(
                f"{urls[index % 2]}/resources/apply", json=body, headers=HEADERS, timeout=60
            ).status_code

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            assert set(pool.map(apply, range(COUNT))) == {200}

        deadline = time.monotonic() + 60
        while _states(second.url)["ready"] < COUNT // 4:
            assert time.monotonic() < deadline, (_states(second.url), _errors(second.url))
            time.sleep(0.1)
        # Kill the first replica and its worker mid-run.
        port = int(first.url.rsplit(":", 1)[1])
        workers = _worker_pids(port)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        for pid in workers:
            os.kill(pid, signal.SIGKILL)

        deadline = time.monotonic() + 120
        while (states := _states(second.url))["ready"] < COUNT:
            assert time.monotonic() < deadline, f"not all ready: {dict(states)}"
            time.sleep(0.2)
        assert sum(states.values()) == COUNT
        documents = httpx.get(
            f"{second.url}/resources/", params={"provider": "testkit"}, headers=HEADERS
        ).json()
        # Each handler ran at least once and reported its own value.
        assert all(document["outputs"]["value"] == document["name"][1:] for document in documents)
        assert httpx.get(f"{second.url}/ops/dead-letter", headers=HEADERS).json() == []
        assert "Traceback" not in second.log() + second.package_logs(), second.log() + second.package_logs()
    finally:
        first.stop()
        second.stop()
        for pid in _worker_pids(int(first.url.rsplit(":", 1)[1])):
            os.kill(pid, signal.SIGKILL)
        dispose_database_url(database_url)
