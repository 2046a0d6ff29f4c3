"""The engine under faults: a server or a worker killed mid-run, hung or buggy handlers, stray results.

Every test starts its own servers (and, where it needs to kill one, its own worker processes)
on a fresh database, once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from pragma_sdk import PragmaClient, ResourceFailedError
from testing.fixtures.db import DATABASES
from testing.fixtures.server import ENGINE_ENV, RunningServer, isolated_env, start_server

T = TypeVar("T")

TESTKIT = ("--provider-package", "testkit_provider")
# Short leases and a fast rescue, so a dead worker's events come back within seconds.
FAST_ENV = {**ENGINE_ENV, "PRAGMA_LEASE_SECONDS": "2", "PRAGMA_RESCUE_INTERVAL_SECONDS": "0.2"}

pytestmark = pytest.mark.parametrize("database_url", DATABASES, indirect=True)


def item(name: str, **config: Any) -> dict[str, Any]:
    return {"provider": "testkit", "resource": "item", "name": name, "config": config}


def wait_for(
    condition: Callable[[], T | None], timeout: float, what: Callable[[], str] | str, interval: float = 0.05
) -> T:
    """Poll ``condition`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(
                f"timed out after {timeout:g} s waiting for {what if isinstance(what, str) else what()}"
            )
        time.sleep(interval)


# --- processes --------------------------------------------------------------------------------


def _proc_entries() -> Iterator[Path]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            yield entry


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children_of(pid: int) -> list[int]:
    """Pids whose parent is ``pid``."""
    found = []
    for entry in _proc_entries():
        try:
            stat = entry.joinpath("stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def workers_of(server: RunningServer) -> list[int]:
    """Live worker processes talking to ``server`` (found by ``--api-url URL`` in their command line)."""
    needle = f" --api-url {server.url} ".encode()
    found = []
    for entry in _proc_entries():
        try:
            command = b" " + entry.joinpath("cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"pragma_sdk.worker" in command and needle in command and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def sigkill(pids: list[int]) -> None:
    """SIGKILL ``pids`` and wait until none of them runs any more."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not any(_alive(pid) for pid in pids), 10, f"{pids} to die")


class Processes:
    """Servers and workers a test started; whatever still runs at teardown is killed."""

    def __init__(self) -> None:
        self.servers: list[RunningServer] = []
        self.workers: list[subprocess.Popen[bytes]] = []

    def server(self, root: Path, database_url: str, *args: str, **env: str) -> RunningServer:
        running = start_server(root, database_url, extra_args=args, extra_env={**FAST_ENV, **env})
        self.servers.append(running)
        return running

    def worker(self, server: RunningServer, worker_id: str, *args: str) -> subprocess.Popen[bytes]:
        """``python -m pragma_sdk.worker`` for testkit, authenticated with the admin token."""
        env = isolated_env(
            server.home,
            PYTHONPATH=ENGINE_ENV["PYTHONPATH"],
            PRAGMA_AUTH_TOKEN=server.token,
            PYTHONUNBUFFERED="1",
        )
        command = [
            sys.executable, "-m", "pragma_sdk.worker",
            "--package", "testkit_provider",
            "--api-url", server.url,
            "--worker-id", worker_id,
            *args,
        ]  # fmt: skip
        with (server.home.parent / f"worker-{worker_id}.log").open("wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(process)
        return process

    def close(self) -> None:
        """Kill everything by pid (a graceful stop waits out the workers' long polls)."""
        for process in self.workers:
            if process.poll() is None:
                process.kill()
                process.wait()
        for running in self.servers:
            workers = [*children_of(running.process.pid), *workers_of(running)]
            if running.process.poll() is None:
                running.process.kill()
                running.process.wait()
            sigkill([pid for pid in workers if _alive(pid)])


@pytest.fixture
def processes(database_url: str) -> Iterator[Processes]:
    """Depends on ``database_url`` so the processes stop before the database is dropped."""
    started = Processes()
    yield started
    started.close()


def connect(server: RunningServer) -> PragmaClient:
    return server.client(timeout=30)


def assert_healthy(server: RunningServer) -> None:
    assert server.process.poll() is None, server.log()
    assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
    assert "Traceback" not in server.log(), server.log()
    assert "500 Internal Server Error" not in server.log(), server.log()
    assert "Traceback" not in server.package_logs(), server.package_logs()


# --- 1. the server killed mid-run ---------------------------------------------------------------

COUNT = 1000


async def _apply_all(server: RunningServer, documents: list[dict[str, Any]], concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {server.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=60) as http:

        async def apply(document: dict[str, Any]) -> None:
            async with gate:
                response = await http.post("/resources/apply", json=document)
                response.raise_for_status()

        await asyncio.gather(*(apply(document) for document in documents))


def _states(client: PragmaClient) -> collections.Counter[str]:
    return collections.Counter(r["lifecycle_state"] for r in client.list_resources(provider="testkit"))


def test_server_sigkilled_mid_run_loses_nothing(
    database_url: str, processes: Processes, tmp_path: Path
) -> None:
    root = tmp_path / "server"
    # Ten handlers of 0.5 s at a time: at most 20 resources get ready per second, so the
    # applies (50-100 a second here) end long before the worker does, with ~800 still to do.
    # The lease is long enough for the busy worker's results (see the report on short leases),
    # short enough that the killed server's leases run out soon after the restart.
    slow = {"PRAGMA_LEASE_SECONDS": "10", "PRAGMA_WORKER_CONCURRENCY": "10"}
    first = processes.server(root, database_url, *TESTKIT, **slow)
    names = [f"bulk-{index:04d}" for index in range(COUNT)]
    started = time.monotonic()
    asyncio.run(_apply_all(first, [item(name, value=name, sleep=0.5) for name in names], concurrency=8))
    applied = time.monotonic() - started

    with connect(first) as client:
        states: collections.Counter[str] = collections.Counter()

        def midway() -> bool:
            states.clear()
            states.update(_states(client))
            # (all ten handlers start and end together: between two batches none is processing)
            return states["ready"] >= 100 and states["processing"] >= 1

        wait_for(midway, 60, lambda: f"100 ready and some processing: {dict(states)}", interval=0.05)
    assert states["ready"] < COUNT, f"not mid-run: {dict(states)}"
    assert states["processing"] >= 1, f"not mid-run: {dict(states)}"
    workers = children_of(first.process.pid)
    assert workers, "the server runs no worker process"
    first.process.kill()
    first.process.wait()
    sigkill([*workers, *workers_of(first)])  # orphaned by the kill: gone before they report late
    assert not workers_of(first)
    killed = time.monotonic() - started

    second = processes.server(root, database_url, *TESTKIT, PRAGMA_LEASE_SECONDS="10")
    healthy = time.monotonic()  # start_server returns once /health answers
    with connect(second) as client:
        assert len(client.list_resources(provider="testkit")) == COUNT
        at_kill = sum(1 for r in client.list_resources(provider="testkit") if r["lifecycle_state"] == "ready")
        wait_for(lambda: _states(client)["ready"] > at_kill, 30, "a first resource ready after the restart")
        # Each handler sleeps 0.5 s: the first call after the restart began ~0.5 s before that.
        first_call = time.monotonic() - healthy - 0.5
        wait_for(
            lambda: _states(client) == {"ready": COUNT},
            90,
            lambda: f"all ready after the restart: {dict(_states(client))} (killed at {dict(states)})",
            interval=0.5,
        )
        listed = client.list_resources(provider="testkit")
        assert sorted(r["name"] for r in listed) == names
        for resource in listed:
            assert resource["outputs"]["value"] == resource["name"]
            assert resource["error"] is None
            assert resource["pending_event_id"] is None
            assert resource["observed_generation"] == resource["generation"] == 1
        assert client.list_dead_letter_events(provider="testkit") == []
        # The events leased when the server died (in handlers, or done but not yet reported)
        # came back once their lease ran out, and only once.
        redelivered = sum(resource["outputs"]["attempt"] == 2 for resource in listed)
        assert redelivered >= 1
        assert all(resource["outputs"]["attempt"] <= 2 for resource in listed)
    print(
        f"applied in {applied:.1f} s, killed at {killed:.1f} s with {dict(states)}, "
        f"first handler call ~{first_call:.1f} s after /health answered again, "
        f"all ready at {time.monotonic() - started:.1f} s, {redelivered} redelivered"
    )
    assert_healthy(second)


def test_a_restarted_server_takes_back_its_dead_workers_leases_at_once(
    database_url: str, processes: Processes, tmp_path: Path
) -> None:
    """Every event is in a handler when the server dies; the restarted server redelivers them
    without waiting out the 30 s lease (the workers of its previous run died with it)."""
    root = tmp_path / "server"
    lease = {"PRAGMA_LEASE_SECONDS": "30", "PRAGMA_WORKER_CONCURRENCY": "20"}
    first = processes.server(root, database_url, *TESTKIT, **lease)
    names = [f"held-{index:02d}" for index in range(20)]
    asyncio.run(_apply_all(first, [item(name, value=name, sleep=2) for name in names], concurrency=20))
    with connect(first) as client:
        wait_for(lambda: _states(client) == {"processing": 20}, 30, lambda: f"all leased: {_states(client)}")
    workers = children_of(first.process.pid)
    first.process.kill()
    first.process.wait()
    sigkill([*workers, *workers_of(first)])

    second = processes.server(root, database_url, *TESTKIT, **lease)  # returns once /health answers
    healthy = time.monotonic()
    with connect(second) as client:

        def first_ready() -> float | None:
            ready = _states(client)["ready"]
            return time.monotonic() - healthy if ready else None

        first_seconds = wait_for(first_ready, 25, lambda: f"one ready: {_states(client)}", interval=0.05)
        wait_for(lambda: _states(client) == {"ready": 20}, 25, lambda: f"all ready: {_states(client)}")
        all_seconds = time.monotonic() - healthy
        listed = client.list_resources(provider="testkit")
    assert all(resource["outputs"]["attempt"] == 2 for resource in listed), listed
    # The handlers sleep 2 s: the first redelivered call began about 2 s before its resource was ready.
    print(
        f"after /health answered: first handler call at ~{first_seconds - 2:.1f} s, first ready at "
        f"{first_seconds:.1f} s, all 20 ready at {all_seconds:.1f} s (the lease is 30 s)"
    )
    assert "previous run" in second.log(), second.log()


# --- 2. a worker killed mid-handler -------------------------------------------------------------


def test_worker_sigkilled_mid_handler_event_is_redelivered(
    database_url: str, processes: Processes, tmp_path: Path
) -> None:
    # The handler (2 s) ends within one lease (3 s): a fresh worker sends its first heartbeat
    # only ~10 s after it starts (see the report), so a longer handler would lose its lease.
    # w1 runs one handler at a time so it has no lease request pending when it dies: the server
    # would still serve that orphaned long poll and lease the redelivered event to the dead w1.
    server = processes.server(tmp_path / "server", database_url, PRAGMA_LEASE_SECONDS="3")
    with connect(server) as client:

        def slow() -> dict[str, Any]:
            return dict(client.get_resource("testkit", "item", "slow"))

        client.apply_resource(item("slow", value="v", sleep=2))
        first = processes.worker(server, "w1", "--concurrency", "1")
        leased = wait_for(lambda: slow()["lifecycle_state"] == "processing" and slow(), 30, "w1 to lease")
        first.kill()
        first.wait()
        # Nobody heartbeats the lease any more: the server takes the event back.
        rescued = wait_for(lambda: slow()["lifecycle_state"] == "pending" and slow(), 15, "the rescue")
        assert rescued["error"] == (
            "Lease expired: the worker stopped heartbeating while handling testkit/item/slow"
        )
        assert not rescued["provisioned"]
        processes.worker(server, "w2")
        ready = client.wait_ready("testkit", "item", "slow", timeout=30)
        assert isinstance(ready, dict)
        assert ready["outputs"] == {"value": "v", "echo": None, "attempt": 2}
        assert ready["error"] is None
        assert leased["pending_event_id"] is not None
        assert client.list_dead_letter_events(provider="testkit") == []
    assert_healthy(server)


# --- 3. a handler that hangs past its timeout ---------------------------------------------------


def test_hanging_handler_times_out_and_dead_letters(
    database_url: str, processes: Processes, tmp_path: Path
) -> None:
    server = processes.server(tmp_path / "server", database_url, PRAGMA_RETRY_MAX_ATTEMPTS="2")
    worker = processes.worker(server, "w1", "--handler-timeout", "1")
    with connect(server) as client:
        client.apply_resource(item("stuck", hang=True))
        with pytest.raises(ResourceFailedError) as raised:
            client.wait_ready("testkit", "item", "stuck", timeout=30)
        assert "TimeoutError" in str(raised.value)
        failed = client.get_resource("testkit", "item", "stuck")
        assert failed["lifecycle_state"] == "failed"
        assert failed["error"] == "TimeoutError: handler did not finish within 1 s"
        letters = client.list_dead_letter_events(provider="testkit")
        assert [letter["resource_name"] for letter in letters] == ["stuck"]
        assert letters[0]["attempt_count"] == 2
        assert "TimeoutError" in letters[0]["error_message"]

        # The worker survived its hung handlers and still serves.
        client.apply_resource(item("after", value="ok"))
        ready = client.wait_ready("testkit", "item", "after", timeout=30)
        assert isinstance(ready, dict)
        assert ready["outputs"]["value"] == "ok"
    assert worker.poll() is None
    assert_healthy(server)


# --- 4. a handler returning the wrong type ------------------------------------------------------


def test_handler_returning_the_wrong_type_fails_clearly(
    database_url: str, processes: Processes, tmp_path: Path
) -> None:
    server = processes.server(tmp_path / "server", database_url, *TESTKIT)
    expected = {
        "string": "on_create of testkit/wrong returned str; expected WrongOutputs or a dict valid for it",
        "none": "on_create of testkit/wrong returned NoneType; expected WrongOutputs or a dict valid for it",
        "dict": "on_create of testkit/wrong returned invalid outputs:",
    }
    with connect(server) as client:
        for returns in expected:
            client.apply_resource(
                {"provider": "testkit", "resource": "wrong", "name": returns, "config": {"returns": returns}}
            )
        for returns, message in expected.items():
            with pytest.raises(ResourceFailedError):
                client.wait_ready("testkit", "wrong", returns, timeout=30)
            failed = client.get_resource("testkit", "wrong", returns)
            assert failed["lifecycle_state"] == "failed"
            assert failed["error"].startswith(message), failed["error"]
            assert failed["provisioned"] is False
            assert not failed["outputs"]
        letters = {
            letter["resource_name"]: letter for letter in client.list_dead_letter_events(provider="testkit")
        }
        assert sorted(letters) == sorted(expected)
        for returns, message in expected.items():
            assert letters[returns]["error_message"].startswith(message)
            assert letters[returns]["attempt_count"] == 1  # permanent: no retries
    assert_healthy(server)


# --- 5. results from a worker that does not hold the lease --------------------------------------


def test_results_without_the_lease_are_refused(
    database_url: str, processes: Processes, tmp_path: Path
) -> None:
    server = processes.server(tmp_path / "server", database_url, PRAGMA_LEASE_SECONDS="3")
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http, connect(server) as client:

        def lease(worker_id: str) -> dict[str, Any]:
            body = {"worker_id": worker_id, "providers": ["testkit"], "max_events": 1, "wait_seconds": 5}
            response = http.post("/workers/lease", json=body)
            assert response.status_code == 200, response.text
            events = response.json()["events"]
            assert len(events) == 1, response.json()
            return dict(events[0])

        def complete(worker_id: str, event_id: str, attempt: int) -> dict[str, Any]:
            outputs = {"value": "v", "echo": None, "attempt": attempt}
            result = {"event_id": event_id, "status": "success", "outputs": outputs}
            response = http.post("/workers/complete", json={"worker_id": worker_id, "results": [result]})
            assert response.status_code == 200, response.text
            return dict(response.json())

        def heartbeat(worker_id: str, event_id: str) -> dict[str, Any]:
            response = http.post("/workers/heartbeat", json={"worker_id": worker_id, "event_ids": [event_id]})
            assert response.status_code == 200, response.text
            return dict(response.json())

        def state(name: str) -> str:
            return str(client.get_resource("testkit", "item", name)["lifecycle_state"])

        def refused(answer: dict[str, Any], event_id: str) -> None:
            assert answer["accepted"] == []
            assert [rejection["event_id"] for rejection in answer["rejected"]] == [event_id]
            assert "does not hold a lease" in answer["rejected"][0]["reason"]

        # Another worker's result is refused; the holder's is taken.
        client.apply_resource(item("held", value="v"))
        event = lease("a")
        assert (event["name"], event["attempt"]) == ("held", 1)
        refused(complete("b", event["event_id"], 1), event["event_id"])
        assert heartbeat("a", event["event_id"]) == {"held": [event["event_id"]], "lost": []}
        assert state("held") == "processing"
        assert heartbeat("b", event["event_id"]) == {"held": [], "lost": [event["event_id"]]}
        assert complete("a", event["event_id"], 1) == {"accepted": [event["event_id"]], "rejected": []}
        ready = client.get_resource("testkit", "item", "held")
        assert ready["lifecycle_state"] == "ready"
        assert ready["outputs"] == {"value": "v", "echo": None, "attempt": 1}
        refused(complete("a", event["event_id"], 1), event["event_id"])  # a second time: no longer leased
        refused(complete("a", "evt_doesnotexist", 1), "evt_doesnotexist")

        # After the lease expired, the late result of its old holder is refused.
        client.apply_resource(item("late", value="v"))
        event = lease("a")
        assert state("late") == "processing"
        wait_for(lambda: state("late") == "pending", 15, "the expired lease to be rescued")
        failed_attempt = client.get_resource("testkit", "item", "late")
        assert failed_attempt["error"].startswith("Lease expired")
        refused(complete("a", event["event_id"], 1), event["event_id"])
        assert state("late") == "pending"
        # ... also once another worker leased it again; that worker's result counts.
        again = lease("c")
        assert (again["event_id"], again["attempt"]) == (event["event_id"], 2)
        refused(complete("a", event["event_id"], 1), event["event_id"])
        assert complete("c", again["event_id"], 2)["accepted"] == [again["event_id"]]
        ready = client.get_resource("testkit", "item", "late")
        assert ready["lifecycle_state"] == "ready"
        assert ready["outputs"]["attempt"] == 2
        assert ready["error"] is None
        assert client.list_dead_letter_events(provider="testkit") == []
    assert_healthy(server)


# --- 6. a worker that hangs up while its long poll waits ----------------------------------------


def test_a_worker_that_hung_up_mid_poll_is_handed_nothing(
    database_url: str, processes: Processes, tmp_path: Path
) -> None:
    """A commit hands new work to a long poll waiting on this server (``engine/handoff.py``);
    a poll whose worker hung up must not get it, or the event would sit leased to nobody
    until its lease ran out."""
    server = processes.server(tmp_path / "server", database_url, PRAGMA_LEASE_SECONDS="60")
    headers = {"Authorization": f"Bearer {server.token}"}

    def poll(worker_id: str, wait_seconds: float) -> dict[str, Any]:
        return {
            "worker_id": worker_id,
            "providers": ["testkit"],
            "max_events": 1,
            "wait_seconds": wait_seconds,
        }

    async def scenario() -> tuple[list[dict[str, Any]], float]:
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=60) as http:
            gone = asyncio.create_task(http.post("/workers/lease", json=poll("gone", 30)))
            await asyncio.sleep(1)  # parked
            gone.cancel()  # the worker hangs up
            with contextlib.suppress(asyncio.CancelledError):
                await gone
            await asyncio.sleep(1)  # the server has seen it go
            live = asyncio.create_task(http.post("/workers/lease", json=poll("live", 20)))
            await asyncio.sleep(1)  # parked too
            started = time.monotonic()
            with connect(server) as client:
                await asyncio.to_thread(client.apply_resource, item("handed", value="v"))
            response = await live
            assert response.status_code == 200, response.text
            return response.json()["events"], time.monotonic() - started

    events, seconds = asyncio.run(scenario())
    assert [event["name"] for event in events] == ["handed"]
    assert seconds < 10, f"the live poll got the event after {seconds:.1f} s"
    assert_healthy(server)
