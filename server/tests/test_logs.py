"""The server's and its workers' log lines: JSON objects with the request's and the handler's
context under ``--log-format json``, unchanged plain text otherwise."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from pragma_sdk.models import resource_id
from testing.fixtures.db import DATABASES
from testing.fixtures.server import ENGINE_ENV, RunningServer, serving
from testing.fixtures.waiting import eventually

JSON_ARGS = ("--log-format", "json", "--access-log", "--provider-package", "testkit_provider")


@pytest.fixture(scope="module", params=DATABASES)
def json_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A server logging JSON lines, with a worker of the ``testkit`` provider."""
    root = tmp_path_factory.mktemp(f"json-logs-{request.param}")
    with serving(root, request.param, extra_args=JSON_ARGS, extra_env=ENGINE_ENV) as running:
        yield running


@pytest.fixture
def json_http(json_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=json_server.url, headers={"Authorization": f"Bearer {json_server.token}"}, timeout=30
    ) as client:
        yield client


def server_lines(server: RunningServer) -> list[dict[str, Any]]:
    """Every line of the server's own log, each parsed as the JSON object it must be."""
    return [json.loads(line) for line in server.log().splitlines() if line.strip()]


def worker_lines(server: RunningServer) -> list[dict[str, Any]]:
    """What the workers logged: each captured line is ``<time> [<worker>] <line>``, the line a
    JSON object (the server's own notes, ``==> started ...``, are left out)."""
    parsed = []
    for line in server.package_logs().splitlines():
        _stamp, _source, text = line.split(" ", 2)
        if not text.startswith("==> "):
            parsed.append(json.loads(text))
    return parsed


def lines_with(server: RunningServer, *messages: str) -> list[dict[str, Any]] | None:
    """The workers' lines of these messages, once there is one for each; else ``None``."""
    found = [line for line in worker_lines(server) if line["message"] in messages]
    return found if {line["message"] for line in found} == set(messages) else None


def apply(http: httpx.Client, name: str, config: dict[str, Any], request_id: str) -> None:
    body = {"provider": "testkit", "resource": "item", "name": name, "config": config}
    response = http.post("/resources/apply", json=body, headers={"X-Request-ID": request_id})
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == request_id


def wait_ready(http: httpx.Client, name: str) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        document: dict[str, Any] = http.get(f"/resources/{resource_id('testkit', 'item', name)}").json()
        return document if document["lifecycle_state"] == "ready" else None

    return eventually(ready, f"{name} ready")


def assert_iso_utc(value: str) -> None:
    assert value.endswith("Z")
    assert datetime.fromisoformat(value).utcoffset() is not None


def test_an_applys_request_id_is_in_the_servers_access_line_and_the_workers_handler_lines(
    json_server: RunningServer, json_http: httpx.Client, unique: str
) -> None:
    request_id = f"req-{unique}"
    config = {"value": "v", "log": f"creating {unique}", "fail_attempts": 1}

    apply(json_http, unique, config, request_id)
    wait_ready(json_http, unique)

    [access] = eventually(
        lambda: [line for line in server_lines(json_server) if line.get("request_id") == request_id],
        "the access line of the apply",
    )
    assert access["logger"] == "uvicorn.access"
    assert access["level"] == "INFO"
    assert_iso_utc(access["time"])
    assert (access["method"], access["path"], access["status"]) == ("POST", "/resources/apply", 200)
    assert access["organization"] == "default"
    assert "POST /resources/apply" in access["message"]

    expected = {
        "resource_id": resource_id("testkit", "item", unique),
        "provider": "testkit",
        "request_id": request_id,
    }
    mine = eventually(
        lambda: [
            line for line in worker_lines(json_server) if line.get("resource_id") == expected["resource_id"]
        ],
        "the worker's lines for the handler",
    )
    handler_lines = [line for line in mine if line["message"] == f"creating {unique}"]
    assert len(handler_lines) == 2  # the failed attempt and the retry
    for line in handler_lines:
        assert line["logger"] == "testkit"
        assert line["level"] == "INFO"
        assert_iso_utc(line["time"])
        assert {key: line[key] for key in expected} == expected
        assert line["event_id"].startswith("evt_")
    [failure] = [line for line in mine if line["logger"] == "pragma_sdk.worker"]
    assert failure["level"] == "WARNING"
    assert (
        "failed (attempt 1), to be retried: RuntimeError: transient failure on attempt 1"
        in failure["message"]
    )
    assert {key: failure[key] for key in expected} == expected
    assert failure["event_id"] == handler_lines[0]["event_id"]


def test_a_batch_apply_carries_its_request_id_to_the_worker(
    json_server: RunningServer, json_http: httpx.Client, unique: str
) -> None:
    request_id = f"batch-{unique}"
    documents = [
        {
            "provider": "testkit",
            "resource": "item",
            "name": f"{unique}-{n}",
            "config": {"log": f"batch {unique}-{n}"},
        }
        for n in range(2)
    ]

    response = json_http.post(
        "/resources/apply/batch", json={"documents": documents}, headers={"X-Request-ID": request_id}
    )

    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == request_id
    lines = eventually(
        lambda: lines_with(json_server, f"batch {unique}-0", f"batch {unique}-1"), "both handlers' lines"
    )
    assert {line["request_id"] for line in lines} == {request_id}
    assert {line["resource_id"] for line in lines} == {
        resource_id("testkit", "item", f"{unique}-{n}") for n in range(2)
    }


def test_an_update_reaching_a_dependent_carries_the_request_id_of_the_apply_behind_it(
    json_server: RunningServer, json_http: httpx.Client, unique: str
) -> None:
    source, dependent = f"{unique}-source", f"{unique}-dependent"
    reference = {"provider": "testkit", "resource": "item", "name": source, "field": "outputs.value"}
    apply(json_http, source, {"value": "one"}, f"first-{unique}")
    apply(json_http, dependent, {"echo": reference, "log": f"echoing {unique}"}, f"dependent-{unique}")
    wait_ready(json_http, dependent)

    apply(json_http, source, {"value": "two"}, f"second-{unique}")

    echoes = eventually(
        lambda: (found := lines_with(json_server, f"echoing {unique}")) and len(found) == 2 and found,
        "the dependent's second handler run",
    )
    assert [line["request_id"] for line in echoes] == [f"dependent-{unique}", f"second-{unique}"]
    assert wait_ready(json_http, dependent)["outputs"]["echo"] == "two"


def test_a_dead_letter_retry_and_a_delete_carry_their_request_ids_to_the_worker(
    json_server: RunningServer, json_http: httpx.Client, unique: str
) -> None:
    failing, deleted = f"{unique}-failing", f"{unique}-deleted"
    failing_id = resource_id("testkit", "item", failing)
    apply(
        json_http, failing, {"log": f"failing {unique}", "fail_attempts": 1, "permanent": True}, f"a-{unique}"
    )
    apply(json_http, deleted, {"log": f"kept {unique}"}, f"b-{unique}")
    wait_ready(json_http, deleted)
    letter = eventually(
        lambda: next(
            (item for item in json_http.get("/ops/dead-letter").json() if item["resource_id"] == failing_id),
            None,
        ),
        "the failing item's dead letter",
    )

    retried = json_http.post(
        f"/ops/dead-letter/{letter['event_id']}/retry", headers={"X-Request-ID": f"retry-{unique}"}
    )
    removed = json_http.delete(
        f"/resources/{resource_id('testkit', 'item', deleted)}", headers={"X-Request-ID": f"delete-{unique}"}
    )

    assert (retried.status_code, removed.status_code) == (200, 200), (retried.text, removed.text)
    runs = eventually(
        lambda: (found := lines_with(json_server, f"failing {unique}")) and len(found) == 2 and found,
        "the retried handler's line",
    )
    assert [line["request_id"] for line in runs] == [f"a-{unique}", f"retry-{unique}"]
    [deleting] = eventually(
        lambda: lines_with(json_server, f"kept {unique} (deleting)"), "the delete handler's line"
    )
    assert deleting["request_id"] == f"delete-{unique}"


def test_a_handlers_subresource_apply_carries_the_request_id_on(
    json_server: RunningServer, json_http: httpx.Client, unique: str
) -> None:
    request_id = f"parent-{unique}"
    body = {"provider": "testkit", "resource": "parent", "name": unique, "config": {"child_value": "c"}}

    response = json_http.post("/resources/apply", json=body, headers={"X-Request-ID": request_id})

    assert response.status_code == 200, response.text
    [subresource_apply] = eventually(
        lambda: [
            line
            for line in server_lines(json_server)
            if line.get("request_id") == request_id
            and line.get("method") == "POST"
            and line.get("path", "").startswith("/workers/events/")
        ],
        "the access line of the handler's subresource apply",
    )
    assert subresource_apply["path"].endswith("/apply")
    assert subresource_apply["status"] == 200


def test_every_line_of_the_server_is_json_and_says_what_it_started(json_server: RunningServer) -> None:
    lines = server_lines(json_server)

    assert any(line["message"].startswith("Serving the Pragma API on http://") for line in lines)
    assert any(
        line["logger"] == "pragma_os.deploy" and "testkit_provider" in line["message"] for line in lines
    )
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
    assert any(line["logger"] == "pragma_sdk.worker" for line in worker_lines(json_server))


def test_plain_logs_stay_plain(engine_server: RunningServer) -> None:
    def started() -> str | None:
        text = engine_server.package_logs()
        return text if " INFO pragma_sdk.worker: Worker " in text else None

    worker_log = eventually(started, "the workers' first lines")
    log = engine_server.log()

    assert "Serving the Pragma API on http://127.0.0.1:" in log
    assert not any(line.startswith("{") for line in log.splitlines())
    assert not any(line.split(" ", 2)[-1].startswith("{") for line in worker_log.splitlines())
