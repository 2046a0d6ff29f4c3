"""Two replicas on one PostgreSQL database behave as one server, with the ``testkit`` worker
polling only the first: provider queries through the second reach it, and work queued or
retried through the second wakes it within milliseconds (LISTEN/NOTIFY), not at its next
periodic look. The timings are printed; the bounds are the issue's, judged on medians where
one sample could be hit by a loaded machine.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from pragma_os.store.listener import APPLICATION_NAME
from testing.fixtures.db import POSTGRES_DSN, dispose_database_url, make_database_url
from testing.fixtures.server import BOOTSTRAP_TOKEN, ENGINE_ENV, RunningServer, start_server

HEADERS = {"Authorization": f"Bearer {BOOTSTRAP_TOKEN}"}
CHAIN = 20


@dataclass
class Replicas:
    with_worker: RunningServer
    without_worker: RunningServer
    database_url: str


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    root = tmp_path_factory.mktemp("replicas")
    database_url = make_database_url("postgres", root)
    first = start_server(
        root / "a", database_url, extra_args=("--provider-package", "testkit_provider"), extra_env=ENGINE_ENV
    )
    second = start_server(root / "b", database_url, extra_env=ENGINE_ENV)
    try:
        yield Replicas(first, second, database_url)
        assert "Traceback" not in first.log() + second.log(), first.log() + second.log()
    finally:
        first.stop()
        second.stop()
        dispose_database_url(database_url)


@dataclass
class Watch:
    """Follows ``/resources/watch`` of one replica in a thread, recording when each state arrives."""

    url: str
    seen: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    _ready: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _response: httpx.Response | None = None

    def __enter__(self) -> Watch:
        threading.Thread(target=self._follow, daemon=True).start()
        assert self._ready.wait(10), f"the watch on {self.url} did not open"
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._response is not None:
            self._response.close()

    def _follow(self) -> None:
        params = {"provider": "testkit", "snapshot": "false"}
        with (
            httpx.Client(base_url=self.url, headers=HEADERS, timeout=30) as client,
            client.stream("GET", "/resources/watch", params=params) as response,
        ):
            self._response = response
            try:
                for line in response.iter_lines():
                    if line == ": watching":
                        self._ready.set()
                    elif line.startswith("data: "):
                        document = json.loads(line[6:])
                        with self.changed:
                            self.seen.append((time.monotonic(), document))
                            self.changed.notify_all()
            except httpx.HTTPError:
                if not self._stop.is_set():
                    raise

    def first(self, name: str, after: float, timeout: float = 20, **expected: Any) -> float:
        """When a document of ``name`` matching ``expected`` (states, outputs) arrived after ``after``."""

        def match() -> float | None:
            for at, document in self.seen:
                if at >= after and document.get("name") == name and _matches(document, expected):
                    return at
            return None

        with self.changed:
            found = self.changed.wait_for(match, timeout)
        assert found is not None, f"{name} never became {expected} on {self.url}"
        return found


def _matches(document: dict[str, Any], expected: dict[str, Any]) -> bool:
    outputs = document.get("outputs") or {}
    return all(
        document.get(key) == value if key == "lifecycle_state" else outputs.get(key) == value
        for key, value in expected.items()
    )


def _apply(url: str, name: str, **config: Any) -> dict[str, Any]:
    body = {"provider": "testkit", "resource": "item", "name": name, "config": config}
    response = httpx.post(f"{url}/resources/apply", json=body, headers=HEADERS, timeout=30)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def _wait_ready(url: str, name: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        document = httpx.get(f"{url}/resources/resource:testkit_item_{name}", headers=HEADERS).json()
        if document["lifecycle_state"] == "ready":
            return
        assert time.monotonic() < deadline, document
        time.sleep(0.05)


def _ready_item(url: str, prefix: str, value: str) -> str:
    """Apply a ``testkit/item`` of ``value`` through ``url`` and wait until it is ready; its API path."""
    name = f"{prefix}{uuid.uuid4().hex[:6]}"
    _apply(url, name, value=value)
    _wait_ready(url, name)
    return f"/resources/resource:testkit_item_{name}"


def _timed_get(url: str, path: str, **params: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.get(f"{url}{path}", params=params, headers=HEADERS, timeout=30)
    return response, time.monotonic() - started


def test_health_and_logs_through_the_replica_without_the_worker(replicas: Replicas) -> None:
    path = _ready_item(replicas.with_worker.url, "q", value="fine")

    timings = []
    for _ in range(5):
        health, seconds = _timed_get(replicas.without_worker.url, f"{path}/health")
        assert health.status_code == 200, health.text
        assert health.json()["message"] == "value is fine"
        timings.append(seconds)
        logs, seconds = _timed_get(replicas.without_worker.url, f"{path}/logs", tail=2)
        assert logs.status_code == 200, logs.text
        assert [entry["message"] for entry in logs.json()] == ["line 3", "line 4"]
        timings.append(seconds)
    print(f"health and logs through the other replica: {', '.join(f'{t * 1000:.0f}' for t in timings)} ms")
    assert max(timings) < 1.0, timings


def test_following_logs_through_the_replica_without_the_worker(replicas: Replicas) -> None:
    path = _ready_item(replicas.with_worker.url, "f", value="chatty") + "/logs"
    messages = []
    with (
        httpx.Client(base_url=replicas.without_worker.url, headers=HEADERS, timeout=30) as client,
        client.stream("GET", path, params={"follow": "true", "tail": 2}) as response,
    ):
        assert response.status_code == 200
        for line in response.iter_lines():
            assert not line.startswith("event: error"), line
            if line.startswith("data: "):
                messages.append(json.loads(line[6:])["message"])
                if len(messages) == 4:
                    break
    assert messages == ["line 4", "still here", "still here", "still here"]


def test_a_query_for_a_provider_no_replica_has_a_worker_of_is_503_at_once(replicas: Replicas) -> None:
    name = f"n{uuid.uuid4().hex[:6]}"
    body = {"provider": "nobody", "resource": "thing", "name": name, "lifecycle_state": "draft"}
    assert (
        httpx.post(f"{replicas.with_worker.url}/resources/apply", json=body, headers=HEADERS).status_code
        == 200
    )
    for replica in (replicas.with_worker, replicas.without_worker):
        response, seconds = _timed_get(replica.url, f"/resources/resource:nobody_thing_{name}/health")
        assert response.status_code == 503
        assert "No worker of provider 'nobody' answered: none is polling any replica" in response.text
        assert seconds < 1.0, seconds


def _dead_letter_of(url: str, name: str) -> str:
    deadline = time.monotonic() + 20
    while True:
        letters = httpx.get(f"{url}/ops/dead-letter", headers=HEADERS).json()
        for letter in letters:
            if letter["resource_name"] == name:
                return str(letter["event_id"])
        assert time.monotonic() < deadline, letters
        time.sleep(0.02)


def _retry_delays(watch: Watch, url: str, name: str, samples: int) -> list[float]:
    """Retry the dead letter of ``name`` through ``url`` ``samples`` times; returns the seconds
    from each retry sent to the event leased (the resource ``processing`` on the watch)."""
    delays = []
    for _ in range(samples):
        event_id = _dead_letter_of(url, name)
        sent = time.monotonic()
        retried = httpx.post(f"{url}/ops/dead-letter/{event_id}/retry", headers=HEADERS)
        assert retried.status_code == 200, retried.text
        delays.append(watch.first(name, sent, lifecycle_state="processing") - sent)
        watch.first(name, sent, lifecycle_state="failed")
    return delays


def test_a_dead_letter_retried_through_the_other_replica_is_leased_at_once(replicas: Replicas) -> None:
    name = f"d{uuid.uuid4().hex[:6]}"
    # The worker's replica records the lease (processing), and its watch says so at once.
    with Watch(replicas.with_worker.url) as watch:
        _apply(replicas.with_worker.url, name, fail_attempts=1000, permanent=True)
        local = _retry_delays(watch, replicas.with_worker.url, name, 5)
        delays = _retry_delays(watch, replicas.without_worker.url, name, 7)
    median, local_median = statistics.median(delays), statistics.median(local)
    print(f"dead letter retried, leased after: through the worker's replica "
          f"{', '.join(f'{d * 1000:.0f}' for d in local)} ms (median {local_median * 1000:.0f} ms); "
          f"through the other {', '.join(f'{d * 1000:.0f}' for d in delays)} ms "
          f"(median {median * 1000:.0f} ms)")  # fmt: skip
    # Within 100 ms; on a machine so loaded that a retry through the worker's own replica takes
    # most of that, the other replica may add no more than 50 ms to it. (Found by a periodic
    # look instead, it took 870 ms on average.)
    assert median < max(0.1, local_median + 0.05), (local, delays)
    assert max(delays) < 1.0, delays


def _settle_chain(watch: Watch, urls: list[str]) -> float:
    """Apply a chain (each item echoes the one before), item ``i`` through ``urls[i % len]``;
    returns the seconds from the first apply until the leaf echoes the root's value."""
    run = uuid.uuid4().hex[:6]
    names = [f"c{run}-{index}" for index in range(CHAIN)]
    started = time.monotonic()
    _apply(urls[0], names[0], value=run)
    for index in range(1, CHAIN):
        field_ = "outputs.value" if index == 1 else "outputs.echo"
        echo = {"provider": "testkit", "resource": "item", "name": names[index - 1], "field": field_}
        _apply(urls[index % len(urls)], names[index], echo=echo)
    return watch.first(names[-1], started, lifecycle_state="ready", echo=run) - started


def test_a_chain_applied_through_both_replicas_settles_as_fast_as_through_one(replicas: Replicas) -> None:
    one, two = [], []
    urls = [replicas.with_worker.url, replicas.without_worker.url]
    with Watch(replicas.with_worker.url) as watch:
        for _ in range(3):
            one.append(_settle_chain(watch, urls[:1]))
            two.append(_settle_chain(watch, urls))
    print(f"{CHAIN}-deep chain, root to leaf: through one replica {', '.join(f'{t:.2f}' for t in one)} s; "
          f"alternately through both {', '.join(f'{t:.2f}' for t in two)} s")  # fmt: skip
    assert statistics.median(two) <= 1.5 * statistics.median(one), (one, two)


async def _terminate_listeners(database_url: str) -> int:
    connection = await asyncpg.connect(POSTGRES_DSN)
    try:
        rows = await connection.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = $2",
            APPLICATION_NAME,
            database_url.rsplit("/", 1)[1],
        )
    finally:
        await connection.close()
    return len(rows)


def test_work_announced_while_a_listener_reconnects_is_found_when_it_listens_again(
    replicas: Replicas,
) -> None:
    name = f"r{uuid.uuid4().hex[:6]}"
    with Watch(replicas.with_worker.url) as watch:
        assert asyncio.run(_terminate_listeners(replicas.database_url)) == 2
        # Sent while the listeners reconnect (their first try waits 0.1 s): its notification is lost.
        sent = time.monotonic()
        _apply(replicas.without_worker.url, name, value="x")
        ready = watch.first(name, sent, lifecycle_state="ready") - sent
    print(f"applied while the listeners reconnected: ready after {ready * 1000:.0f} ms")
    # Found when the worker's replica listens again and wakes every waiter, not by the 5 s look.
    assert ready < 2.0
    deadline = time.monotonic() + 5
    while "Listening for other replicas again" not in replicas.with_worker.log():
        assert time.monotonic() < deadline, replicas.with_worker.log()
        time.sleep(0.05)
