"""Property-based test of the lifecycle engine, through the real interfaces.

One ``pragma-os serve`` process on SQLite runs a worker for ``proptest_provider``; a Hypothesis
``RuleBasedStateMachine`` drives it over HTTP with random applies (field references, explicit
``dependencies`` and whole-resource markers; owners), config changes, handlers that fail
transiently or for good, deletes (leaves, owners with cascades, refused ones) and dead-letter
retries. Each example uses names of its own (a fresh prefix), so examples share the server.

Where the evidence comes from:

- Every handler call appends a ``start`` and an ``end`` line to a file in the server's home
  (the worker keeps ``HOME``; its environment is otherwise scrubbed, so a variable of our own
  would not reach it). One worker process writes them, so the file's order is the order in
  which the handlers ran: a call's ``end`` line comes before the next call's ``start`` line
  exactly when it finished before that one started.
- The worker runs the events of one lease response in order, and asks for the next lease only
  after taking the previous response, so a handler that started first was leased first (or in
  the same lease, where the engine checks dependencies in one transaction). A handler that
  started while a dependency's last call had not ended, or had failed, was therefore leased
  while that dependency was not ``ready``. Whole-resource markers give more: the handler gets
  the dependency's document as the engine saw it in the leasing transaction.
- The watch stream (``GET /resources/watch``) is followed from the start, to wait for the
  system to settle without polling and to check each document it shows. It is *not* used to
  replay states: it coalesces (a batch sends each changed resource once, as it is when the
  batch is read), so it can skip ``processing`` altogether, and a resource's document can be
  newer than other documents sent after it.
- ``GET /resources`` answers from one snapshot: an owner gone while something it owned is
  still there is an orphan.

Invariants, checked after every step on what came in meanwhile, and on a settled system when a
step settles it and at the end of each example:

1. No CREATE/UPDATE while a dependency is not ready (the value a reference resolved to is the
   one the dependency's last call returned); a DELETE only once what the resource owns and
   what depends on it is gone. CREATE only before the first success, UPDATE only after it.
2. One call per resource at a time; attempts count 1, 2, ... within one config's retries.
3. Everything settles: ``ready``, ``failed``, or ``pending`` with ``waiting_on`` naming
   dependencies that are not ready, at least one of them failed or itself waiting so.
4. No orphans: an owner is never gone while something it owned is still there.
5. The settled state is the model's: the latest config; dependencies' values propagated
   through references and markers; ``failed`` only where the config fails for good (with its
   dead letter and the error of its last call); a change that leaves a resource's outputs as
   they were reaches only its marker dependents; after retrying the dead letters everything
   is ready; after deleting everything, everything is gone and each resource that was created
   got exactly one DELETE.

The engine bugs this test found are fixed; the tests at the end reproduce each of them. The
random steps still keep some shapes out (no dependency on, or ownership by, a resource being
deleted, and owners and dependencies point at earlier resources); those tests cover them.

``PROPTEST_EXAMPLES``/``PROPTEST_STEPS`` change the size of the run, ``PROPTEST_SHRINK=1``
turns shrinking on (slow: every shrink step replays an example against the server).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import signal
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pragma_sdk import PragmaClient
from testing.fixtures.db import make_database_url
from testing.fixtures.server import ENGINE_ENV, RunningServer, start_server

PROVIDER = "proptest"
RESOURCE = "node"
RECORD_FILE = "proptest-calls.jsonl"  # proptest_provider.RECORD_FILE, in the server's HOME
MAX_ATTEMPTS = 3
SETTLE_SECONDS = 60.0
MAX_NODES = 12  # resources alive at once in one example
EXAMPLES = int(os.environ.get("PROPTEST_EXAMPLES", "12"))
STEPS = int(os.environ.get("PROPTEST_STEPS", "25"))
ENV = {
    **ENGINE_ENV,
    "PRAGMA_RETRY_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
    # Long leases: a lease that runs out redelivers an event on purpose (at-least-once), and
    # that would look like two calls at once. Nothing here runs for more than a fraction of this.
    "PRAGMA_LEASE_SECONDS": "30",
    "PRAGMA_RESCUE_INTERVAL_SECONDS": "0.5",
}

# (fail_calls, permanent): none, transient and recovering within the retry budget, transient
# and exhausting it (a dead letter; a retry recovers), permanent (a retry or two recovers).
FAILURES = [(0, False)] * 12 + [(1, False), (2, False), (3, False), (4, False), (1, True), (2, True)]
SLEEPS = [0.0, 0.0, 0.02, 0.1, 0.3]
KINDS = ["ref", "explicit", "marker"]


def rid(name: str) -> str:
    return f"resource:{PROVIDER}_{RESOURCE}_{name}"


def path(name: str) -> str:
    return f"{PROVIDER}/{RESOURCE}/{name}"


def identity(name: str) -> dict[str, str]:
    return {"provider": PROVIDER, "resource": RESOURCE, "name": name}


def name_of(resource_id: str) -> str:
    return resource_id.removeprefix(f"resource:{PROVIDER}_{RESOURCE}_")


# --- the server and what it tells ---------------------------------------------------------------


@dataclass
class Call:
    """One handler call, from the provider's record."""

    name: str
    event_id: str
    event_type: str
    attempt: int
    value: str
    inputs: dict[str, Any]
    uses: list[str]
    after: list[str]
    used: dict[str, Any]
    start: float
    line: int
    end: float | None = None
    outcome: str | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.outcome == "ok"

    def __str__(self) -> str:
        result = "running" if self.end is None else f"{self.outcome} {self.error or ''}".strip()
        where = f"value {self.value}, attempt {self.attempt}, line {self.line}"
        return f"{self.event_type} of {self.name} ({where}): {result}"


class WatchFeed:
    """Follows ``GET /resources/watch`` through the SDK in a thread, resuming when cut."""

    def __init__(self, server: RunningServer) -> None:
        self._server = server
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._client: PragmaClient | None = None
        self._last_id: str | None = None
        self._thread = threading.Thread(target=self._run, name="proptest-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._client is not None:
            self._client.close()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._server.client() as client:
                    self._client = client
                    for event in client.watch_resources(PROVIDER, snapshot=True, last_event_id=self._last_id):
                        with self._changed:
                            self.events.append((event.event, event.data))
                            self._last_id = event.id or self._last_id
                            self._changed.notify_all()
            except Exception:  # cut, or closed by stop(): resume after the last event
                if not self._stop.is_set():
                    time.sleep(0.2)

    def wait_for_more(self, seen: int, timeout: float) -> None:
        """Return when there are more than ``seen`` events, or after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.events) > seen, timeout=timeout)


class Harness:
    """The server, its change feed, the handlers' record, and the checks that need them all."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.http = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=30
        )
        self.watch = WatchFeed(server)
        self.record_path = server.home / RECORD_FILE
        self._offset = 0
        self._partial = b""
        self._lines = 0
        self._watched = 0
        self.calls: dict[str, list[Call]] = defaultdict(list)
        self.running: dict[str, list[Call]] = defaultdict(list)
        self.removed: set[str] = set()  # names the change feed showed deleted
        # What the machines tell the checks: for each resource whose deletion was accepted,
        # what must be gone before its DELETE runs.
        self.must_go_first: dict[str, set[str]] = {}

    # - records -

    def ingest(self) -> None:
        """Read new record lines and watch events, checking each as it comes.

        Everything new is taken in, whatever fails; then the failures are raised together.
        """
        problems: list[str] = []
        if self.record_path.exists():
            with self.record_path.open("rb") as record:
                record.seek(self._offset)
                chunk = record.read()
            self._offset += len(chunk)
            *complete, self._partial = (self._partial + chunk).split(b"\n")
            for raw in complete:
                self._lines += 1
                try:
                    self._take(json.loads(raw), self._lines)
                except AssertionError as error:
                    problems.append(str(error))
        events = self.watch.events
        while self._watched < len(events):
            kind, data = events[self._watched]
            self._watched += 1
            try:
                self._check_document(kind, data)
            except AssertionError as error:
                problems.append(str(error))
        if problems:
            raise AssertionError("\n".join(problems))

    def _take(self, line: dict[str, Any], number: int) -> None:
        name = line["name"]
        if line["phase"] == "end":
            running = self.running[name]
            call = next((c for c in running if c.event_id == line["event_id"] and c.end is None), None)
            assert call is not None, f"line {number}: the end of a call that is not running"
            running.remove(call)
            call.end, call.outcome, call.error = line["t"], line["outcome"], line["error"]
            return
        call = Call(
            name=name,
            event_id=line["event_id"],
            event_type=line["event_type"],
            attempt=line["attempt"],
            value=line["value"],
            inputs=line["inputs"],
            uses=line["uses"],
            after=line["after"],
            used=line["used"],
            start=line["t"],
            line=number,
        )
        try:
            self._check_start(call)
        finally:
            self.calls[name].append(call)
            self.running[name].append(call)

    def _check_start(self, call: Call) -> None:
        name = call.name
        history = self.calls[name]
        # (2) One event in flight per resource.
        others = [str(c) for c in self.running[name]]
        assert not others, f"two calls for {name} at once: {others} and {call}"
        assert not any(c.event_type == "DELETE" and c.succeeded for c in history), (
            f"{call} after {name} was deleted"
        )
        created = any(c.event_type != "DELETE" and c.succeeded for c in history)
        if call.event_type == "CREATE":
            assert not created, f"{call}, but {name} was created already: {[str(c) for c in history]}"
        elif call.event_type == "UPDATE":
            assert created, f"{call}, but {name} was never created"
        else:
            self._check_delete_order(call)
            return
        # Retries: attempts count 1, 2, ... after transient failures of one config, and start
        # at 1 for a new config, after a success and after a dead-letter retry.
        previous = history[-1] if history else None
        retried = (
            previous is not None
            and previous.value == call.value
            and previous.outcome == "fail"
            and not (previous.error or "").startswith("ValueError")
            and previous.attempt < MAX_ATTEMPTS
        )
        expected = previous.attempt + 1 if retried and previous is not None else 1
        assert call.attempt == expected, f"{call}: attempt {expected} expected after {previous}"
        # (1) Every dependency ready: its last call (all of which started before this one, so
        # were leased before it) must have succeeded and ended before this call started.
        for dependency in {*call.inputs, *call.uses, *call.after}:
            last = self.calls[dependency][-1] if self.calls[dependency] else None
            ready = (
                last is not None and last.end is not None and last.succeeded and last.event_type != "DELETE"
            )
            assert ready, f"{call} started while its dependency {dependency} was not ready: last call {last}"
            assert last is not None
            if dependency in call.inputs:
                assert call.inputs[dependency] == last.value, (
                    f"{call} got {dependency}'s value {call.inputs[dependency]!r}, "
                    f"but {dependency}'s outputs were {last.value!r}"
                )
        for dependency in call.uses:
            seen = call.used.get(rid(dependency))
            assert seen is not None, f"{call} did not get the document of {dependency}"
            state = seen["lifecycle_state"] + (" (deleting)" if seen["deleting"] else "")
            assert state == "ready", f"{call} was leased while its dependency {dependency} was {state}"
            last = self.calls[dependency][-1]
            assert seen["outputs"]["value"] == last.value, (
                f"{call} saw {dependency} with outputs {seen['outputs']}; its last call: {last}"
            )

    def _check_delete_order(self, call: Call) -> None:
        """(1, 4) A DELETE runs once what the resource owns and what depends on it is gone."""
        for other in sorted(self.must_go_first.get(call.name, ())):
            history = self.calls[other]
            assert not self.running[other], f"{call} started while {self.running[other]} runs"
            if any(c.event_type != "DELETE" and c.succeeded for c in history):
                last = history[-1]
                assert (last.event_type, last.outcome) == ("DELETE", "ok"), (
                    f"{call} started before {other} (owned by it or depending on it) was deleted; "
                    f"{other}'s last call: {last}"
                )

    def _check_document(self, kind: str, data: dict[str, Any]) -> None:
        """Each document of the change feed is one row as it was: it must be consistent."""
        name = name_of(data["id"])
        if kind == "deleted":
            self.removed.add(name)
            return
        assert name not in self.removed, f"{name} came back after it was deleted: {data}"
        state = data["lifecycle_state"]
        if state == "processing":
            # (waiting_on may name what the *next* event waits for: a change or a delete came meanwhile)
            assert data["pending_event_id"], f"processing without an event: {data}"
        elif state == "ready":
            shown = (data["error"], data["pending_event_id"], data["provisioned"], data["waiting_on"])
            assert shown == (None, None, True, []), f"inconsistent ready: {data}"
            assert data["observed_generation"] == data["generation"], f"ready with an old generation: {data}"
        elif state == "failed":
            assert data["error"], f"failed without an error: {data}"
            assert data["pending_event_id"] is None, f"failed with an event: {data}"

    # - requests -

    def list_documents(self, prefix: str | None = None) -> dict[str, dict[str, Any]]:
        """Every ``proptest`` resource (or those named ``prefix-*``), from one snapshot; checks orphans."""
        response = self.http.get("/resources/", params={"provider": PROVIDER})
        assert response.status_code == 200, response.text
        documents = {document["name"]: document for document in response.json()}
        for document in documents.values():
            # (4) An owner is removed only after what it owns.
            for owner in document["owner_references"]:
                if owner["name"] in documents:
                    continue
                raise AssertionError(
                    f"orphan: {document['name']} ({document['lifecycle_state']}) is still there, "
                    f"its owner {owner['name']} is gone"
                )
        if prefix is None:
            return documents
        return {name: doc for name, doc in documents.items() if name.startswith(f"{prefix}-")}

    def dead_letters(self, prefix: str) -> list[dict[str, Any]]:
        response = self.http.get("/ops/dead-letter", params={"provider": PROVIDER})
        assert response.status_code == 200, response.text
        return [letter for letter in response.json() if letter["resource_name"].startswith(f"{prefix}-")]

    def apply(self, body: dict[str, Any]) -> httpx.Response:
        return self.http.post("/resources/apply", json=body)

    def delete(self, name: str) -> httpx.Response:
        return self.http.delete(f"/resources/{rid(name)}")

    def wait(self, condition: Callable[[], list[str]], what: str, timeout: float = SETTLE_SECONDS) -> None:
        """Wait until ``condition`` returns no problems, waking on each change of the feed.

        Fails after ``timeout`` seconds listing the problems that remain.
        """
        deadline = time.monotonic() + timeout
        while True:
            seen = len(self.watch.events)
            self.ingest()
            problems = condition()
            if not problems:
                # Calls are recorded before their results reach the server: read what came
                # while ``condition`` looked.
                self.ingest()
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not reached after {timeout:g} s:\n  " + "\n  ".join(problems))
            self.watch.wait_for_more(seen, timeout=0.5)

    def server_log_problems(self) -> list[str]:
        """Errors in the server's log and its worker's ("Result for ... refused")."""
        text = self.server.log() + self.server.package_logs()
        return [line for line in text.splitlines() if "Traceback" in line or " refused: " in line]


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """A server with a worker for ``proptest_provider``, its feed followed from the start."""
    root = tmp_path_factory.mktemp("proptest")
    server = start_server(
        root,
        make_database_url("sqlite", root),
        extra_args=("--provider-package", "proptest_provider"),
        extra_env=ENV,
    )
    running = Harness(server)
    try:
        if Path("/proc").is_dir():  # the ordering argument above needs one worker process
            deadline = time.monotonic() + 20
            while not (workers := _workers_of(server.url)) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(workers) == 1, f"expected one worker process for proptest_provider, found {workers}"
        running.watch.start()
        yield running
    finally:
        running.watch.stop()
        running.http.close()
        server.stop()
        # A worker with a handler running when the server stops cannot report its result (the
        # server no longer listens) and never exits; the server is killed after 15 s and the
        # worker is left behind, polling. End it.
        for pid in _workers_of(server.url):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _workers_of(api_url: str) -> list[int]:
    """Pids of the worker processes serving the server at ``api_url`` (Linux)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"pragma_sdk.worker" in command and api_url.encode() in command:
            found.append(int(entry.name))
    return found


# --- the model ----------------------------------------------------------------------------------


@dataclass(repr=False)
class Node:
    """What the test applied for one resource, and whether it asked for its deletion."""

    name: str
    index: int
    value: str
    deps: dict[str, str]  # dependency name -> "ref", "explicit" or "marker"
    owner: str | None
    fail_calls: int = 0
    permanent: bool = False
    sleep: float = 0.0
    deleting: bool = False
    changes: int = 0

    def config(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "inputs": {
                d: {**identity(d), "field": "outputs.value"} for d, k in self.deps.items() if k == "ref"
            },
            "uses": {
                d: {"__dependency__": True, **identity(d)} for d, k in self.deps.items() if k == "marker"
            },
            "after": sorted(d for d, k in self.deps.items() if k == "explicit"),
            "fail_calls": self.fail_calls,
            "permanent": self.permanent,
            "sleep": self.sleep,
        }

    def body(self) -> dict[str, Any]:
        return {
            **identity(self.name),
            "config": self.config(),
            "dependencies": [identity(d) for d in sorted(d for d, k in self.deps.items() if k == "explicit")],
            "owner_references": [identity(self.owner)] if self.owner else [],
        }

    def __repr__(self) -> str:  # how Hypothesis prints a drawn node
        return f"Node({self.name!r})"

    def may_fail(self) -> bool:
        return self.fail_calls > 0 and (self.permanent or self.fail_calls >= MAX_ATTEMPTS)


class EngineMachine(RuleBasedStateMachine):
    """Random work for the engine; the model is what was applied and deleted.

    A failed check does not stop the steps: it is kept, the later steps skip the server and only
    make their draws, and teardown raises it. Hypothesis replays a failing example by its draws
    and insists that they come out the same; the server's timing must not change them.
    """

    harness: Harness  # set by the test before running

    def __init__(self) -> None:
        super().__init__()
        self.prefix = f"p{uuid.uuid4().hex[:8]}"
        self.nodes: dict[str, Node] = {}
        self.failure: Exception | None = None

    def _guarded(self, action: Callable[[], object]) -> None:
        """Run ``action`` (requests and checks) unless an earlier one failed; keep its failure."""
        if self.failure is not None:
            return
        try:
            action()
        except Exception as error:
            self.failure = error

    # - the model -

    def live(self) -> list[Node]:
        return [node for node in self.nodes.values() if not node.deleting]

    def _doomed(self, name: str) -> list[Node]:
        """The node and everything it owns, recursively (what the server marks deleting)."""
        doomed = {name: self.nodes[name]}
        frontier = [name]
        while frontier:
            owned = [n for n in self.nodes.values() if n.owner in frontier and n.name not in doomed]
            doomed.update({n.name: n for n in owned})
            frontier = [n.name for n in owned]
        return list(doomed.values())

    def _blocking(self, name: str) -> list[str]:
        """What keeps the node from being deleted: others, not deleted with it, that depend on it
        or on what it owns (``detail.dependents`` of the 409)."""
        names = {n.name for n in self._doomed(name)}
        return sorted(
            path(n.name) for n in self.live() if n.name not in names and any(d in names for d in n.deps)
        )

    def _depends_on(self, name: str, target: str) -> bool:
        """Whether ``name`` depends on ``target``, directly or through others."""
        stack, seen = [name], set()
        while stack:
            current = stack.pop()
            for dependency in self.nodes[current].deps:
                if dependency == target:
                    return True
                if dependency not in seen:
                    seen.add(dependency)
                    stack.append(dependency)
        return False

    def _draw_spec(self, data: st.DataObject, node: Node, candidates: list[Node]) -> None:
        node.deps = {}
        if candidates:
            chosen = data.draw(st.lists(st.sampled_from(candidates), max_size=3, unique_by=lambda n: n.name))
            node.deps = {d.name: data.draw(st.sampled_from(KINDS)) for d in chosen}
        node.fail_calls, node.permanent = data.draw(st.sampled_from(FAILURES))
        node.sleep = data.draw(st.sampled_from(SLEEPS))

    def _record_delete(self, doomed: list[Node]) -> None:
        """Tell the checks what must be gone before each DELETE (before asking: they may start at once)."""
        for n in doomed:
            first = {o.name for o in self.nodes.values() if o.owner == n.name or n.name in o.deps}
            self.harness.must_go_first.setdefault(n.name, set()).update(first)

    def _apply(self, node: Node, states: tuple[str, ...] = ("pending", "processing")) -> None:
        response = self.harness.apply(node.body())
        assert response.status_code == 200, f"apply {node.name}: {response.status_code} {response.text}"
        document = response.json()
        assert document["config"] == node.config(), document
        assert document["lifecycle_state"] in states, document
        assert set(document["waiting_on"]) <= {path(d) for d in node.deps}, document

    # - rules -

    @initialize(data=st.data())
    def start(self, data: st.DataObject) -> None:
        self.add_nodes(data)

    @precondition(lambda self: len(self.live()) < MAX_NODES)
    @rule(data=st.data())
    def add_nodes(self, data: st.DataObject) -> None:
        """Apply one to three new resources, without waiting in between."""
        for _ in range(data.draw(st.integers(1, min(3, MAX_NODES - len(self.live()))))):
            index = len(self.nodes)
            name = f"{self.prefix}-{index}"
            # Dependencies and owners point at earlier resources, never at one being deleted.
            candidates = self.live()
            owner = data.draw(st.none() | st.sampled_from(candidates)) if candidates else None
            node = Node(
                name=name, index=index, value=f"{name}-v0", deps={}, owner=owner.name if owner else None
            )
            self._draw_spec(data, node, candidates)
            self.nodes[name] = node
            note(f"apply new {name}: {node.body()}")
            self._guarded(functools.partial(self._apply, node, ("pending",)))

    @precondition(lambda self: any(not n.deleting for n in self.nodes.values()))
    @rule(data=st.data())
    def change_config(self, data: st.DataObject) -> None:
        """Apply a new value (and dependencies, failures, sleep) to a resource, busy or not."""
        node = data.draw(st.sampled_from(self.live()))
        node.changes += 1
        node.value = f"{node.name}-v{node.changes}"
        self._draw_spec(data, node, [n for n in self.live() if n.index < node.index])
        note(f"change {node.name}: {node.body()}")
        self._guarded(lambda: self._apply(node))

    @precondition(lambda self: any(not n.deleting for n in self.nodes.values()))
    @rule(data=st.data())
    def delete_node(self, data: st.DataObject) -> None:
        """Delete a resource: refused (409) while others depend on it, else it and what it owns go."""
        node = data.draw(st.sampled_from(self.live()))
        doomed = self._doomed(node.name)
        names = {n.name for n in doomed}
        blocking = self._blocking(node.name)
        note(f"delete {node.name} (with {sorted(names - {node.name})}); blocked by {blocking}")
        event("delete: refused, dependents" if blocking else f"delete: with {min(len(names) - 1, 2)}+ owned")

        def delete() -> None:
            if not blocking:
                self._record_delete(doomed)
            response = self.harness.delete(node.name)
            if blocking:
                assert response.status_code == 409, (
                    f"delete {node.name}: {response.status_code} {response.text}"
                )
                assert response.json()["detail"]["dependents"] == blocking, response.text
            else:
                assert response.status_code == 200, (
                    f"delete {node.name}: {response.status_code} {response.text}"
                )
                assert response.json()["deleting"] is True, response.text

        self._guarded(delete)
        if not blocking:
            for n in doomed:
                n.deleting = True

    @precondition(lambda self: any(not n.deleting for n in self.nodes.values()))
    @rule(data=st.data())
    def touch_node(self, data: st.DataObject) -> None:
        """A change that leaves the outputs as they were reaches only whole-resource dependents.

        Settles (and checks the settled state against the model), re-applies a ready resource
        keeping its value (only ``sleep`` changes), settles again: the resource got one UPDATE,
        its dependents through markers one each (the config they see changed), those through
        references or ``dependencies`` none.
        """
        pick = data.draw(st.integers(0, 1000))  # drawn whatever the server says

        def touch() -> None:
            documents = self._settle()

            def runnable(node: Node) -> bool:  # ready, and an UPDATE would not wait
                return all(documents[name]["lifecycle_state"] == "ready" for name in [node.name, *node.deps])

            candidates = [n for n in self.live() if runnable(n)]
            if not candidates:
                return
            node = candidates[pick % len(candidates)]
            dependents = [n for n in self.live() if node.name in n.deps]
            before = {n.name: len(self.harness.calls[n.name]) for n in [node, *dependents]}
            updated = {node.name} | {
                n.name for n in dependents if n.deps[node.name] == "marker" and runnable(n)
            }
            node.sleep = next(s for s in SLEEPS if s != node.sleep)
            node.fail_calls, node.permanent = 0, False
            note(f"touch {node.name}: sleep {node.sleep}")
            event(f"touch: {len(updated) - 1} marker dependents, {len(dependents) + 1 - len(updated)} others")
            self._apply(node)
            self._settle()
            for n in [node, *dependents]:
                calls = self.harness.calls[n.name][before[n.name] :]
                summary = f"touching {node.name}: {n.name} got {[str(c) for c in calls]}"
                assert len(calls) == (1 if n.name in updated else 0), summary
                assert all(c.event_type == "UPDATE" and c.succeeded for c in calls), summary

        self._guarded(touch)

    @precondition(lambda self: any(n.may_fail() for n in self.nodes.values()))
    @rule(data=st.data())
    def retry_dead_letter(self, data: st.DataObject) -> None:
        """Retry one of the example's dead letters (of a failed resource, or of one since deleted)."""
        pick = data.draw(st.integers(0, 1000))  # drawn whatever the server says

        def retry() -> None:
            letters = sorted(self.harness.dead_letters(self.prefix), key=lambda item: item["resource_name"])
            if not letters:
                return
            letter = letters[pick % len(letters)]
            note(f"retry dead letter of {letter['resource_name']}: {letter['error_message']}")
            event("dead letter retried")
            response = self.harness.http.post(f"/ops/dead-letter/{letter['event_id']}/retry")
            assert response.status_code == 200, response.text
            assert response.json()["event_id"] == letter["event_id"], response.text

        self._guarded(retry)

    @precondition(lambda self: any(not n.deleting for n in self.nodes.values()))
    @rule(data=st.data())
    def refuse_cycle(self, data: st.DataObject) -> None:
        """Making a resource depend on itself, or on something that depends on it, is a 422."""
        target = data.draw(st.sampled_from(self.live()))
        sources = [n for n in self.live() if n.name == target.name or self._depends_on(n.name, target.name)]
        source = data.draw(st.sampled_from(sources))
        attempt = Node(**{**vars(target), "deps": {**target.deps, source.name: "explicit"}})
        edges = {n.name: set(n.deps) for n in self.live()} | {target.name: set(attempt.deps)}
        note(f"cycle: {target.name} -> {source.name}")

        def refuse() -> None:
            response = self.harness.apply(attempt.body())
            assert response.status_code == 422, f"cycle {target.name}: {response.status_code} {response.text}"
            cycle = [name_of(item) for item in response.json()["detail"]["cycle"]]
            assert cycle[0] == cycle[-1] == target.name, cycle
            assert all(b in edges[a] for a, b in itertools.pairwise(cycle)), (cycle, edges)

        self._guarded(refuse)

    # - checks -

    @invariant()
    def consistent(self) -> None:
        """After every step: the records and the feed pass their checks; no orphans; the model's configs."""

        def check() -> None:
            self.harness.ingest()
            for name, document in self.harness.list_documents(self.prefix).items():
                node = self.nodes.get(name)
                assert node is not None, f"{name} exists but was never applied"
                assert document["config"] == node.config(), f"{name}: not the config applied last"
                assert document["deleting"] == node.deleting, f"{name}: deleting is {document['deleting']}"

        self._guarded(check)

    def _stuck(
        self, name: str, documents: dict[str, dict[str, Any]], seen: frozenset[str] = frozenset()
    ) -> bool:
        """Whether a pending resource legitimately waits: a dependency failed, or waits itself."""
        waiting = documents[name]["waiting_on"]
        if documents[name]["lifecycle_state"] != "pending" or not waiting:
            return False  # (pending without waiting_on: a retry not yet due, or a re-check to come)
        not_ready = sorted(
            path(d)
            for d in self.nodes[name].deps
            if (documents.get(d) or {}).get("lifecycle_state") != "ready"
        )
        if waiting != not_ready:
            return False  # a dependency became ready: the re-check at lease has yet to drop it
        for dependency in self.nodes[name].deps:
            found = documents.get(dependency)
            if found is None or found["lifecycle_state"] == "failed":
                return True
            if dependency not in seen and self._stuck(dependency, documents, seen | {name}):
                return True
        return False

    def _unsettled(self) -> list[str]:
        documents = self.harness.list_documents(self.prefix)
        running = self.harness.running
        problems = [
            f"{c} has not ended" for n, cs in running.items() if n.startswith(f"{self.prefix}-") for c in cs
        ]
        for node in self.nodes.values():
            document = documents.get(node.name)
            if node.deleting:
                if document is not None:
                    problems.append(f"{node.name} is still there: {_state(document)}")
            elif document is None:
                problems.append(f"{node.name} is gone")
            elif document["lifecycle_state"] in ("ready", "failed") or self._stuck(node.name, documents):
                continue
            else:
                problems.append(f"{node.name} is {_state(document)}")
        return problems

    def _settle(self) -> dict[str, dict[str, Any]]:
        """(3) Wait until every resource is ready, failed or waiting on a failure; (5) check each."""
        self.harness.wait(
            self._unsettled, f"{self.prefix}: every resource ready, failed or waiting on a failure"
        )
        documents = self.harness.list_documents(self.prefix)
        letters = {letter["resource_name"]: letter for letter in self.harness.dead_letters(self.prefix)}
        for node in self.live():
            self._check_settled(node, documents, letters)
        return documents

    def _check_settled(
        self, node: Node, documents: dict[str, dict[str, Any]], letters: dict[str, dict[str, Any]]
    ) -> None:
        """A settled resource is where the model says it can be."""
        document = documents[node.name]
        state = document["lifecycle_state"]
        calls = self.harness.calls[node.name]
        last = calls[-1] if calls else None
        where = f"{node.name} ({_state(document)}; last call: {last})"
        not_ready = sorted(path(d) for d in node.deps if documents[d]["lifecycle_state"] != "ready")
        if state == "ready":
            assert last is not None, (
                f"{where}: no call recorded in {self.harness.record_path} (the provider writes to "
                "$HOME: does the worker still get the server's HOME?)"
            )
            assert last.succeeded, where
            assert last.value == node.value, where
            assert document["outputs"]["value"] == node.value, where
            assert document["resolved_config"]["value"] == node.value, where
            values = {d: documents[d]["outputs"]["value"] for d, kind in node.deps.items() if kind == "ref"}
            assert document["outputs"]["inputs"] == values, f"{where}: a dependency's value did not propagate"
            for dependency in last.uses:
                seen = last.used[rid(dependency)]["outputs"]
                assert seen == documents[dependency]["outputs"], (
                    f"{where}: {dependency}'s change did not propagate"
                )
        elif state == "failed":
            assert node.may_fail(), f"{where}: its config does not fail for good"
            assert last is not None, where
            assert not last.succeeded, where
            assert last.value == node.value, where
            assert document["error"] == last.error, where
            if node.permanent:
                assert (last.error or "").startswith("ValueError"), where
            else:
                assert last.attempt == MAX_ATTEMPTS, f"{where}: failed before the retries ran out"
            letter = letters.get(node.name)
            assert letter is not None, f"{where}: no dead letter"
            assert letter["error_message"] == document["error"], f"{where}: dead letter {letter}"
        else:
            assert state == "pending", where
            waiting = document["waiting_on"]
            assert waiting == not_ready, f"{where}: waits on {waiting}, not {not_ready}"

    def _heal(self) -> None:
        """(5) Retry dead letters until every resource is ready (each retry is another chance)."""
        documents = self._settle()
        for _ in range(8):
            if not any(documents[n.name]["lifecycle_state"] == "failed" for n in self.live()):
                break
            for letter in self.harness.dead_letters(self.prefix):
                response = self.harness.http.post(f"/ops/dead-letter/{letter['event_id']}/retry")
                assert response.status_code == 200, response.text
            documents = self._settle()
        for node in self.live():
            state = _state(documents[node.name])
            assert state == "ready", f"{node.name} is not ready after its dead letters were retried: {state}"

    def _delete_everything(self) -> None:
        """(1, 4) Delete what is left, owners first where nothing else depends on what they take
        along; once all is gone, each resource that was created got exactly one DELETE."""
        while self.live():
            node = next(n for n in self.live() if not self._blocking(n.name))
            doomed = self._doomed(node.name)
            self._record_delete(doomed)
            response = self.harness.delete(node.name)
            assert response.status_code == 200, f"delete {node.name}: {response.status_code} {response.text}"
            for n in doomed:
                n.deleting = True
        self._settle()
        for node in self.nodes.values():
            calls = self.harness.calls[node.name]
            created = any(c.event_type != "DELETE" and c.succeeded for c in calls)
            deletes = [str(c) for c in calls if c.event_type == "DELETE"]
            if created:
                assert len(deletes) == 1, f"{node.name}: DELETE calls {deletes}"
                assert deletes[0].endswith(": ok"), f"{node.name}: DELETE calls {deletes}"
            else:
                assert deletes == [], f"{node.name} was never created, yet: {deletes}"

    def teardown(self) -> None:
        if self.failure is not None:
            raise self.failure
        if sys.exc_info()[0] is not None:
            return  # something else failed: that is the report
        documents = self._settle()
        for node in self.live():
            event(f"settled: {documents[node.name]['lifecycle_state']}")
        self._heal()
        self._delete_everything()
        problems = self.harness.server_log_problems()
        assert not problems, "the server log shows:\n" + "\n".join(problems)


def _state(document: dict[str, Any]) -> str:
    text = str(document["lifecycle_state"]) + (" deleting" if document["deleting"] else "")
    if document["waiting_on"]:
        text += f" waiting on {document['waiting_on']}"
    if document["error"]:
        text += f" error {document['error']!r}"
    return text


def test_lifecycle_engine_properties(harness: Harness) -> None:
    EngineMachine.harness = harness
    phases = [Phase.explicit, Phase.reuse, Phase.generate]
    if os.environ.get("PROPTEST_SHRINK") == "1":
        phases.append(Phase.shrink)
    run_state_machine_as_test(
        EngineMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            phases=phases,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
            ],
        ),
    )


# --- engine bugs the property test found, each reproduced --------------------------------------------
# Each test states the behaviour the documentation promises; its docstring says how the engine
# got it wrong before the fix. They run after the property test, on its server.


class Api:
    """Small helpers over the harness's HTTP client for the reproductions."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.prefix = f"b{uuid.uuid4().hex[:8]}"

    def name(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    def apply(self, name: str, owner: str | None = None, **config: Any) -> httpx.Response:
        body: dict[str, Any] = {
            **identity(name),
            "config": {"value": f"{name}-v", **config},
            "owner_references": [identity(owner)] if owner else [],
        }
        return self.harness.apply(body)

    def get(self, name: str) -> dict[str, Any] | None:
        response = self.harness.http.get(f"/resources/{rid(name)}")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def state(self, name: str) -> str:
        document = self.get(name)
        return "gone" if document is None else _state(document)

    def until(self, condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out after {timeout:g} s waiting for {what}"
            time.sleep(0.05)

    def ready(self, *names: str) -> None:
        self.until(lambda: all(self.state(n) == "ready" for n in names), f"{names} ready")

    def delete_owner_of_slow(self, owner: str, owned: str) -> None:
        """Apply ``owner`` and ``owned`` (owned by it, its DELETE taking 1.5 s); once both are
        ready, delete ``owner``, which then stays deleting for about that long."""
        self.apply(owner)
        self.apply(owned, owner=owner, sleep=1.5)
        self.ready(owner, owned)
        assert self.harness.delete(owner).status_code == 200

    def waits_on(self, name: str, *others: str) -> bool:
        document = self.get(name)
        return document is not None and document["waiting_on"] == [path(o) for o in others]


def reference(name: str) -> dict[str, str]:
    return {**identity(name), "field": "outputs.value"}


def test_an_owner_never_created_waits_for_what_it_owns(harness: Harness) -> None:
    """Deleting an owner deletes what it owns first (docs/lifecycle.md, Owners and deletion).

    An owner whose CREATE failed for good (nothing was created for it) is removed at once by
    ``plan_delete`` (``_mark_deleting``: not provisioned, no event in flight), while what it owns,
    provisioned, still waits for its provider's DELETE: for that long (forever if that DELETE
    fails), it is an orphan. Fixed: the owner now stays,
    deleting, until what it owns is gone, then goes without a provider call.
    """
    api = Api(harness)
    owner, owned = api.name("owner"), api.name("owned")
    assert api.apply(owner, fail_calls=1, permanent=True).status_code == 200
    assert api.apply(owned, owner=owner, sleep=1.0).status_code == 200  # its DELETE takes 1 s
    api.until(lambda: api.state(owner).startswith("failed") and api.state(owned) == "ready", "failed owner")
    assert api.harness.delete(owner).status_code == 200
    try:
        assert api.get(owner) is not None, f"{owner} is gone, while what it owns is {api.state(owned)}"
    finally:
        api.until(lambda: api.get(owned) is None and api.get(owner) is None, "both gone")


def test_applying_a_dependent_of_a_resource_being_deleted_is_a_conflict(harness: Harness) -> None:
    """An accepted delete completes, or the apply that would stop it is refused.

    While ``d`` is deleted (here: waiting for what it owns), applying ``x`` that refers to ``d``
    answers 200. ``d`` then waits for its dependent ``x`` to go, ``x`` waits for ``d`` to be
    ready: both stay pending forever. The same apply before the delete makes the delete answer
    409; during it, it should answer 409 too. The way out, deleting ``x``, does not free ``d``
    on SQLite either: ``x`` (nothing was created for it) is removed at once by ``plan_delete``,
    which, unlike ``dispatch._remove``, does not unblock the resources waiting for it to go (on
    PostgreSQL the 2 s sweep of blocked events does). The random steps never depend on a
    resource being deleted.
    """
    api = Api(harness)
    d, slow, x = api.name("d"), api.name("slow"), api.name("x")
    api.delete_owner_of_slow(d, slow)
    response = api.apply(x, inputs={"d": reference(d)})
    if response.status_code == 409:
        return
    assert response.status_code == 200, response.text

    def deadlocked() -> bool:
        return api.waits_on(d, x) and api.waits_on(x, d) and api.get(slow) is None

    try:
        api.until(lambda: api.get(d) is None or deadlocked(), f"{d} gone")
        assert api.get(d) is None, f"deadlock: {d} is {api.state(d)}, {x} is {api.state(x)}"
    finally:
        api.harness.delete(x)  # on SQLite this does not free d either: see the docstring


def test_applying_a_resource_owned_by_one_being_deleted_is_a_conflict(harness: Harness) -> None:
    """An accepted delete completes, taking what the owner owns.

    Applying a resource owned by ``o`` while ``o`` is deleted answers 200 and creates it, not
    deleting; ``o`` then waits for it to go, which nothing will do: ``o`` stays pending forever
    (until someone deletes the new resource). It should be refused (409) or deleted with ``o``.
    The random steps never name an owner being deleted.
    """
    api = Api(harness)
    o, slow, late = api.name("o"), api.name("slow"), api.name("late")
    api.delete_owner_of_slow(o, slow)
    response = api.apply(late, owner=o)
    if response.status_code == 409:
        return
    assert response.status_code == 200, response.text

    def stuck() -> bool:
        return api.waits_on(o, late) and api.state(late) == "ready" and api.get(slow) is None

    try:
        api.until(lambda: api.get(o) is None or stuck(), f"{o} gone")
        assert api.get(o) is None, f"{o} is {api.state(o)}; {late} is {api.state(late)}"
        assert api.get(late) is None, f"{late} outlived its owner: {api.state(late)}"
    finally:
        api.harness.delete(late)
        api.until(lambda: api.get(o) is None, f"{o} gone once {late} is")


def test_an_owner_that_depends_on_what_it_owns_can_be_deleted(harness: Harness) -> None:
    """Deleting an owner whose config refers to what it owns completes.

    ``o`` refers to ``r.outputs.value`` and owns ``r`` (an app owning its DNS record and using
    its name, say). Deleting ``o`` marks both; ``o`` waits for what it owns (``r``) to go, ``r``
    waits for what depends on it (``o``) to go: both stay pending forever, and nothing the API
    offers gets them out. Dependency order should win (``o`` first, then ``r``).
    The random steps only let resources depend on, and be owned by, earlier ones.
    """
    api = Api(harness)
    o, r = api.name("o"), api.name("r")
    api.apply(o, inputs={"r": reference(r)})
    api.apply(r, owner=o)
    api.ready(o, r)
    assert api.harness.delete(o).status_code == 200
    api.until(lambda: api.get(o) is None or (api.waits_on(o, r) and api.waits_on(r, o)), f"{o} gone")
    assert api.get(o) is None, f"deadlock: {o} is {api.state(o)}, {r} is {api.state(r)}"
    assert api.get(r) is None, f"{r} is {api.state(r)}"


def test_ownership_cycles_are_refused(harness: Harness) -> None:
    """Owners that own each other are refused (as dependency cycles are, 422), or can be deleted.

    ``b`` is owned by ``a``, then ``a`` is applied owned by ``b``: accepted. Deleting ``a``
    marks both, each waits for the other (what it owns) to go: both pending forever.
    """
    api = Api(harness)
    a, b = api.name("a"), api.name("b")
    api.apply(a)
    api.apply(b, owner=a)
    api.ready(a, b)
    response = api.apply(a, owner=b)
    if response.status_code == 422:
        return
    assert response.status_code == 200, response.text
    api.ready(a)
    assert api.harness.delete(a).status_code == 200
    api.until(lambda: api.get(a) is None or (api.waits_on(a, b) and api.waits_on(b, a)), f"{a} gone")
    assert api.get(a) is None, f"deadlock: {a} is {api.state(a)}, {b} is {api.state(b)}"


def test_waiting_on_names_every_dependency_not_ready(harness: Harness) -> None:
    """``waiting_on`` lists what a pending resource waits for (docs/lifecycle.md).

    ``x`` depends on ``a`` (ready) and ``b`` (waiting on ``f``, failed): ``x`` waits on ``b``.
    Then ``a`` gets a config that fails: ``x`` waits on ``a`` too, but ``waiting_on`` stays
    ``[b]``: it is computed when a resource is queued or leased, and nothing re-checks a blocked
    resource when a dependency stops being ready (on PostgreSQL the 2 s sweep of blocked events
    repairs it; on SQLite it stayed wrong). Fixed: a failure unblocks its dependents' events, so
    their waits are checked again.
    """
    api = Api(harness)
    f, b, a, x = (api.name(s) for s in "fbax")
    api.apply(f, fail_calls=1, permanent=True)
    api.apply(b, inputs={"f": reference(f)})
    api.apply(a)
    api.ready(a)
    api.until(lambda: api.waits_on(b, f) and api.state(f).startswith("failed"), f"{b} waiting on failed {f}")
    api.apply(x, inputs={"a": reference(a), "b": reference(b)})
    api.until(lambda: api.waits_on(x, b), f"{x} waiting on {b}")
    api.apply(a, value=f"{a}-v2", fail_calls=1, permanent=True)
    api.until(lambda: api.state(a).startswith("failed"), f"{a} failed")
    try:
        api.until(lambda: api.waits_on(x, a, b), f"{x} waiting on {a} and {b}", timeout=5)
    finally:
        for name in (x, b, a, f):
            api.harness.delete(name)
