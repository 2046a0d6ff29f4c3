"""OpenTelemetry traces through real processes: a server and its testkit worker export spans
over OTLP/HTTP to a collector this test runs, one trace from the apply to the handler and the
completion; without OTEL_* variables nothing is exported and events carry no traceparent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from pragma_os.deploy.local import WorkerSpec
from pragma_sdk.models import resource_id
from testing.fixtures.db import DATABASES
from testing.fixtures.server import ENGINE_ENV, RunningServer, serving
from testing.fixtures.waiting import eventually

WORKER_ARGS = ("--provider-package", "testkit_provider")


@dataclass(frozen=True)
class Span:
    """A span as the collector received it."""

    service: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]
    failed: bool


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


class Collector:
    """An OTLP/HTTP trace receiver: ``POST /v1/traces`` with protobuf bodies."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.requests = 0
        self._lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the OTLP exporter's only request
                body = self.rfile.read(int(self.headers["Content-Length"]))
                collector.receive(self.path, body)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, message: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def receive(self, path: str, body: bytes) -> None:
        assert path == "/v1/traces", path
        request = ExportTraceServiceRequest.FromString(body)
        received = []
        for resource_spans in request.resource_spans:
            resource = {item.key: _value(item.value) for item in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        Span(
                            service=resource["service.name"],
                            name=span.name,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex(),
                            attributes={item.key: _value(item.value) for item in span.attributes},
                            failed=span.status.code == span.status.STATUS_CODE_ERROR,
                        )
                    )
        with self._lock:
            self.requests += 1
            self.spans.extend(received)

    def named(self, name: str, **attributes: Any) -> list[Span]:
        with self._lock:
            spans = list(self.spans)
        return [
            span
            for span in spans
            if span.name == name
            and all(span.attributes.get(key) == value for key, value in attributes.items())
        ]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def collector() -> Iterator[Collector]:
    running = Collector()
    yield running
    running.close()


def otel_env(collector: Collector, **extra: str) -> dict[str, str]:
    return {
        **ENGINE_ENV,
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_BSP_SCHEDULE_DELAY": "50",
        **extra,
    }


@pytest.fixture(scope="module", params=DATABASES)
def traced_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, collector: Collector
) -> Iterator[RunningServer]:
    """A server exporting traces to ``collector``, with a worker of the ``testkit`` provider."""
    root = tmp_path_factory.mktemp(f"traces-{request.param}")
    with serving(root, request.param, extra_args=WORKER_ARGS, extra_env=otel_env(collector)) as running:
        yield running


def client_of(server: RunningServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=30)


@pytest.fixture
def traced_http(traced_server: RunningServer) -> Iterator[httpx.Client]:
    with client_of(traced_server) as client:
        yield client


def apply(http: httpx.Client, resource: str, name: str, config: dict[str, Any], **headers: str) -> str:
    body = {"provider": "testkit", "resource": resource, "name": name, "config": config}
    response = http.post("/resources/apply", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return resource_id("testkit", resource, name)


def wait_ready(http: httpx.Client, rid: str) -> None:
    eventually(lambda: http.get(f"/resources/{rid}").json()["lifecycle_state"] == "ready", f"{rid} ready")


def one(collector: Collector, name: str, **attributes: Any) -> Span:
    """The one span ``name`` with these attributes, once the collector has it."""
    found = eventually(lambda: collector.named(name, **attributes), f"span {name!r} {attributes}", seconds=30)
    assert len(found) == 1, found
    return found[0]


def test_an_apply_its_lease_handler_and_completion_are_one_trace(
    traced_http: httpx.Client, collector: Collector, unique: str
) -> None:
    rid = apply(traced_http, "item", unique, {"value": "v"})
    wait_ready(traced_http, rid)

    applied = one(collector, "apply testkit/item", **{"pragma.resource_id": rid})
    handled = one(collector, "handle CREATE testkit/item", **{"pragma.resource_id": rid})
    event_id = handled.attributes["pragma.event_id"]
    leased = one(collector, "lease", **{"pragma.event_id": event_id})
    completed = one(collector, "complete", **{"pragma.resource_id": rid})

    assert applied.service == "pragma-os"
    assert applied.parent_span_id == ""  # no traceparent header: the apply starts the trace
    assert applied.attributes == {
        "pragma.provider": "testkit",
        "pragma.resource": "item",
        "pragma.resource_id": rid,
    }
    assert handled.service == "pragma-worker"
    assert {leased.service, completed.service} == {"pragma-os"}
    for span in (leased, handled, completed):
        assert span.trace_id == applied.trace_id
        assert span.parent_span_id == applied.span_id
    assert leased.attributes["pragma.event_type"] == "CREATE"
    assert completed.attributes["pragma.event_id"] == event_id
    assert completed.attributes["pragma.outcome"] == "success"
    assert handled.attributes["pragma.attempt"] == 1


def test_an_apply_continues_the_trace_its_traceparent_header_names(
    traced_http: httpx.Client, collector: Collector, unique: str
) -> None:
    trace_id, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    rid = apply(traced_http, "item", unique, {"value": "v"}, traceparent=f"00-{trace_id}-{caller_span}-01")
    wait_ready(traced_http, rid)

    applied = one(collector, "apply testkit/item", **{"pragma.resource_id": rid})
    handled = one(collector, "handle CREATE testkit/item", **{"pragma.resource_id": rid})
    assert (applied.trace_id, applied.parent_span_id) == (trace_id, caller_span)
    assert (handled.trace_id, handled.parent_span_id) == (trace_id, applied.span_id)


def test_a_handlers_subresource_apply_is_a_child_of_its_handler_span(
    traced_http: httpx.Client, collector: Collector, unique: str
) -> None:
    rid = apply(traced_http, "parent", unique, {"child_value": "c"})
    wait_ready(traced_http, rid)

    parent = one(collector, "handle CREATE testkit/parent", **{"pragma.resource_id": rid})
    child_id = resource_id("testkit", "item", f"{unique}-child")
    child_apply = one(collector, "apply testkit/item", **{"pragma.resource_id": child_id})
    child = one(collector, "handle CREATE testkit/item", **{"pragma.resource_id": child_id})
    assert parent.service == child.service == "pragma-worker"
    assert (child_apply.trace_id, child_apply.parent_span_id) == (parent.trace_id, parent.span_id)
    assert (child.trace_id, child.parent_span_id) == (parent.trace_id, child_apply.span_id)


def test_each_document_of_a_batch_apply_starts_its_own_trace(
    traced_http: httpx.Client, collector: Collector, unique: str
) -> None:
    names = [f"{unique}-{n}" for n in range(2)]
    documents = [{"provider": "testkit", "resource": "item", "name": name, "config": {}} for name in names]
    response = traced_http.post("/resources/apply/batch", json={"documents": documents})
    assert response.status_code == 200, response.text
    rids = [resource_id("testkit", "item", name) for name in names]
    for rid in rids:
        wait_ready(traced_http, rid)

    applies = [one(collector, "apply testkit/item", **{"pragma.resource_id": rid}) for rid in rids]
    handles = [one(collector, "handle CREATE testkit/item", **{"pragma.resource_id": rid}) for rid in rids]
    assert applies[0].trace_id != applies[1].trace_id
    for applied, handled in zip(applies, handles, strict=True):
        assert (handled.trace_id, handled.parent_span_id) == (applied.trace_id, applied.span_id)


def test_a_retried_handler_is_another_lease_handle_and_complete_in_the_same_trace(
    traced_http: httpx.Client, collector: Collector, unique: str
) -> None:
    rid = apply(traced_http, "item", unique, {"value": "v", "fail_attempts": 1})
    wait_ready(traced_http, rid)

    applied = one(collector, "apply testkit/item", **{"pragma.resource_id": rid})
    first = one(collector, "handle CREATE testkit/item", **{"pragma.resource_id": rid, "pragma.attempt": 1})
    second = one(collector, "handle CREATE testkit/item", **{"pragma.resource_id": rid, "pragma.attempt": 2})
    failed = one(collector, "complete", **{"pragma.resource_id": rid, "pragma.outcome": "failure"})
    succeeded = one(collector, "complete", **{"pragma.resource_id": rid, "pragma.outcome": "success"})
    assert (first.failed, second.failed) == (True, False)
    for span in (first, second, failed, succeeded):
        assert (span.trace_id, span.parent_span_id) == (applied.trace_id, applied.span_id)


def test_a_span_the_handler_makes_is_a_child_of_its_handler_span(
    traced_http: httpx.Client, collector: Collector, unique: str
) -> None:
    rid = apply(traced_http, "item", unique, {"span": f"own work {unique}"})
    wait_ready(traced_http, rid)

    handled = one(collector, "handle CREATE testkit/item", **{"pragma.resource_id": rid})
    own = one(collector, f"own work {unique}")
    assert own.service == "pragma-worker"
    assert (own.trace_id, own.parent_span_id) == (handled.trace_id, handled.span_id)


def test_an_update_reaching_a_dependent_joins_the_trace_of_the_apply_behind_it(
    traced_http: httpx.Client, collector: Collector, unique: str
) -> None:
    source, dependent = f"{unique}-source", f"{unique}-dependent"
    reference = {"provider": "testkit", "resource": "item", "name": source, "field": "outputs.value"}
    source_id = apply(traced_http, "item", source, {"value": "one"})
    dependent_id = apply(traced_http, "item", dependent, {"echo": reference})
    wait_ready(traced_http, dependent_id)

    apply(traced_http, "item", source, {"value": "two"})

    second = one(collector, "handle UPDATE testkit/item", **{"pragma.resource_id": source_id})
    echoed = one(collector, "handle UPDATE testkit/item", **{"pragma.resource_id": dependent_id})
    assert echoed.trace_id == second.trace_id
    assert echoed.parent_span_id == second.parent_span_id  # both children of the second apply


@pytest.mark.parametrize("switch", [{"OTEL_SDK_DISABLED": "true"}, {"OTEL_TRACES_EXPORTER": "none"}])
def test_traces_switched_off_export_nothing(tmp_path: Any, unique: str, switch: dict[str, str]) -> None:
    collector = Collector()  # its own: the traced servers above may still be running
    try:
        env = otel_env(collector, **switch)
        with (
            serving(tmp_path, "sqlite", extra_args=WORKER_ARGS, extra_env=env) as server,
            client_of(server) as http,
        ):
            rid = apply(http, "item", unique, {"value": "v"}, traceparent=f"00-{'1' * 32}-{'2' * 16}-01")
            wait_ready(http, rid)
        # Both processes have stopped, flushing whatever they would have buffered.
        assert collector.requests == 0
    finally:
        collector.close()


def test_without_otel_variables_events_carry_no_traceparent(
    http: httpx.Client, worker: httpx.Client, provider_name: str
) -> None:
    """The session's server has no OTEL_* variables: no tracer, and the leased event carries
    no traceparent, even when the apply came with one."""
    body = {"provider": provider_name, "resource": "app", "name": "untraced"}
    header = {"traceparent": f"00-{'1' * 32}-{'2' * 16}-01"}
    assert http.post("/resources/apply", json=body, headers=header).status_code == 200
    lease = {"worker_id": "w-untraced", "providers": [provider_name], "max_events": 1, "wait_seconds": 10}
    response = worker.post("/workers/lease", json=lease)
    assert response.status_code == 200, response.text
    (event,) = response.json()["events"]
    assert event["traceparent"] is None
    assert event["request_id"]  # the field next to it is filled: the server is this version


def test_workers_inherit_the_otel_variables_and_only_the_operators_get_the_collectors_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
        "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer collector-key",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-key=k",
        "OTEL_SERVICE_NAME": "pragma-os-prod",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "PRAGMA_SECRET_KEY": "server-only",
    }.items():
        monkeypatch.setenv(key, value)

    operators = WorkerSpec("testkit_provider", "http://127.0.0.1:1", "tok").environment()
    deployed = WorkerSpec("p", "http://127.0.0.1:1", "tok", otel_headers=False).environment()

    assert operators["OTEL_EXPORTER_OTLP_ENDPOINT"] == deployed["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert operators["OTEL_BSP_SCHEDULE_DELAY"] == deployed["OTEL_BSP_SCHEDULE_DELAY"] == "100"
    assert operators["OTEL_EXPORTER_OTLP_HEADERS"] == "authorization=Bearer collector-key"
    assert "OTEL_EXPORTER_OTLP_HEADERS" not in deployed
    assert "OTEL_EXPORTER_OTLP_TRACES_HEADERS" not in deployed
    for env in (operators, deployed):
        assert "OTEL_SERVICE_NAME" not in env  # a worker names itself
        assert "PRAGMA_SECRET_KEY" not in env
