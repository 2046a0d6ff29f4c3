"""The watch stream on PostgreSQL under concurrent writers: every committed change reaches every
watcher, on one replica and on two, and a watcher that reconnects with ``Last-Event-ID``
misses nothing (``store/feed.py`` hands out feed positions in commit order)."""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from testing.fixtures.db import dispose_database_url, make_database_url
from testing.fixtures.server import BOOTSTRAP_TOKEN, ENGINE_ENV, RunningServer, start_server

COUNT = 1000
WRITERS = 32
HEADERS = {"Authorization": f"Bearer {BOOTSTRAP_TOKEN}"}


@dataclass
class Watcher:
    """Follows ``/resources/watch`` of one replica in a thread; keeps each resource's last state.

    With ``reconnect_after``, it drops the connection after that many events and resumes with
    the last id it saw, once.
    """

    url: str
    reconnect_after: int | None = None
    states: dict[str, str] = field(default_factory=dict)
    events: int = 0
    reconnected: bool = False
    last_id: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _ready: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _response: httpx.Response | None = None
    failure: BaseException | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(10), f"the watch on {self.url} did not open"

    def stop(self) -> None:
        self._stop.set()
        if self._response is not None:
            self._response.close()  # the reading thread's next read fails, and it ends
        if self._thread is not None:
            self._thread.join(20)

    def _run(self) -> None:
        try:
            while not self._stop.is_set() and self._follow():
                self.reconnected = True
        except Exception as error:
            if not self._stop.is_set():
                self.failure = error  # reported by the test

    def _follow(self) -> bool:
        """Read the stream; True when it dropped the connection on purpose to resume."""
        headers = {**HEADERS, **({"Last-Event-ID": self.last_id} if self.last_id else {})}
        params = {"provider": "testkit", "snapshot": "false"}
        with (
            httpx.Client(base_url=self.url, headers=headers, timeout=30) as client,
            client.stream("GET", "/resources/watch", params=params) as response,
        ):
            assert response.status_code == 200, response.read()
            self._response = response
            for line in response.iter_lines():
                if self._stop.is_set():
                    return False
                if line == ": watching":
                    self._ready.set()
                elif line.startswith("id: "):
                    self.last_id = line[4:]
                elif line.startswith("data: "):
                    document = json.loads(line[6:])
                    if "lifecycle_state" in document:
                        self.states[document["name"]] = document["lifecycle_state"]
                    self.events += 1
                    if self.reconnect_after and not self.reconnected and self.events >= self.reconnect_after:
                        return True
        return False


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    url = make_database_url("postgres", tmp_path)
    yield url
    dispose_database_url(url)


def _replicas(tmp_path: Path, database_url: str, count: int) -> list[RunningServer]:
    args = ("--provider-package", "testkit_provider")
    return [
        start_server(tmp_path / f"replica-{n}", database_url, extra_args=args, extra_env=ENGINE_ENV)
        for n in range(count)
    ]


def _ready_count(url: str) -> int:
    documents = httpx.get(
        f"{url}/resources/", params={"provider": "testkit"}, headers=HEADERS, timeout=30
    ).json()
    return sum(document["lifecycle_state"] == "ready" for document in documents)


@pytest.mark.parametrize("replicas", [1, 2])
def test_every_watcher_sees_the_final_state_of_every_resource(
    tmp_path: Path, database_url: str, replicas: int
) -> None:
    servers = _replicas(tmp_path, database_url, replicas)
    watchers = [Watcher(server.url) for server in servers]
    watchers += [Watcher(server.url, reconnect_after=COUNT // 2) for server in servers]
    try:
        for watcher in watchers:
            watcher.start()

        def apply(index: int) -> int:
            body = {"provider": "testkit", "resource": "item", "name": f"w{index:04d}", "config": {}}
            url = servers[index % replicas].url
            return httpx.post(f"{url}/resources/apply", json=body, headers=HEADERS, timeout=60).status_code

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
            assert set(pool.map(apply, range(COUNT))) == {200}
        deadline = time.monotonic() + 60
        while _ready_count(servers[0].url) < COUNT:
            assert time.monotonic() < deadline, f"{_ready_count(servers[0].url)} of {COUNT} ready"
            time.sleep(0.2)
        settled = time.monotonic() - started

        deadline = time.monotonic() + 10  # the stream follows the database within moments
        for watcher in watchers:
            while sum(state == "ready" for state in watcher.states.values()) < COUNT:
                assert watcher.failure is None, watcher.failure
                if time.monotonic() > deadline:
                    stuck = sorted(name for name, state in watcher.states.items() if state != "ready")
                    missing = COUNT - len(watcher.states)
                    raise AssertionError(
                        f"a watch on {watcher.url} (resumed: {watcher.reconnected}) ends with "
                        f"{len(stuck)} resources not ready ({stuck[:5]}...) and {missing} never seen"
                    )
                time.sleep(0.05)
        assert all(watcher.reconnected for watcher in watchers if watcher.reconnect_after)
        print(f"{replicas} replica(s): {COUNT} ready in {settled:.1f} s; every watch saw every final state")
    finally:
        for watcher in watchers:
            watcher.stop()
        for server in servers:
            server.stop()
