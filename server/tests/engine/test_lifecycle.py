"""The lifecycle engine end to end: a server, its worker processes, the SDK."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from pragma_sdk import PragmaClient, ResourceFailedError
from testing.fixtures.server import RunningServer


def item(name: str, **config: Any) -> dict[str, Any]:
    return {"provider": "testkit", "resource": "item", "name": name, "config": config}


def reference(name: str, field: str = "outputs.value") -> dict[str, str]:
    return {"provider": "testkit", "resource": "item", "name": name, "field": field}


@pytest.mark.smoke
def test_create_reaches_ready_with_outputs(client: PragmaClient, unique: str) -> None:
    client.apply_resource(item(f"{unique}-a", value="hello"))
    ready = client.wait_ready("testkit", "item", f"{unique}-a", timeout=20)
    assert isinstance(ready, dict)
    assert ready["lifecycle_state"] == "ready"
    assert ready["outputs"] == {"value": "hello", "echo": None, "attempt": 1}
    assert ready["provisioned"] is True
    assert ready["observed_generation"] == ready["generation"] == 1
    assert ready["pending_event_id"] is None


def test_dependent_waits_then_gets_the_resolved_value(client: PragmaClient, unique: str) -> None:
    dependent = client.apply_resource(item(f"{unique}-b", echo=reference(f"{unique}-a")))
    assert isinstance(dependent, dict)
    assert dependent["lifecycle_state"] == "pending"
    assert dependent["waiting_on"] == [f"testkit/item/{unique}-a"]
    client.apply_resource(item(f"{unique}-a", value="from-a"))
    ready = client.wait_ready("testkit", "item", f"{unique}-b", timeout=20)
    assert isinstance(ready, dict)
    assert ready["outputs"]["echo"] == "from-a"
    assert ready["resolved_config"]["echo"] == "from-a"
    assert ready["config"]["echo"] == reference(f"{unique}-a")
    assert ready["waiting_on"] == []


def test_interpolation_in_strings(client: PragmaClient, unique: str) -> None:
    client.apply_resource(item(f"{unique}-a", value="x1"))
    client.apply_resource(item(f"{unique}-b", echo=f"value=${{testkit/item/{unique}-a.outputs.value}}!"))
    ready = client.wait_ready("testkit", "item", f"{unique}-b", timeout=20)
    assert isinstance(ready, dict)
    assert ready["outputs"]["echo"] == "value=x1!"


def test_change_propagates_and_unchanged_values_cause_nothing(client: PragmaClient, unique: str) -> None:
    client.apply_resource(item(f"{unique}-a", value="v1"))
    client.apply_resource(item(f"{unique}-b", echo=reference(f"{unique}-a")))
    client.apply_resource(item(f"{unique}-c", echo=reference(f"{unique}-b", "outputs.echo")))
    first = client.wait_ready("testkit", "item", f"{unique}-c", timeout=20)
    assert isinstance(first, dict)
    assert first["outputs"]["echo"] == "v1"

    client.apply_resource(item(f"{unique}-a", value="v2"))
    deadline = time.monotonic() + 20
    while client.get_resource("testkit", "item", f"{unique}-c")["outputs"]["echo"] != "v2":
        assert time.monotonic() < deadline, "the change did not reach the end of the chain"
        time.sleep(0.05)

    settled = client.get_resource("testkit", "item", f"{unique}-c")
    # A change of a that leaves its outputs as they were reaches nobody.
    client.apply_resource(item(f"{unique}-a", value="v2", sleep=0.01))
    client.wait_ready("testkit", "item", f"{unique}-a", timeout=20)
    time.sleep(0.5)
    assert client.get_resource("testkit", "item", f"{unique}-c")["updated_at"] == settled["updated_at"]


def test_cycles_are_refused_naming_the_cycle(client: PragmaClient, unique: str) -> None:
    client.apply_resource(
        {**item(f"{unique}-a"), "lifecycle_state": "draft", "depends_on": [f"testkit/item/{unique}-b"]}
    )
    with pytest.raises(httpx.HTTPStatusError) as raised:
        client.apply_resource(item(f"{unique}-b", echo=reference(f"{unique}-a")))
    assert raised.value.response.status_code == 422
    detail = raised.value.response.json()["detail"]
    assert detail["cycle"] == [
        f"resource:testkit_item_{unique}-b",
        f"resource:testkit_item_{unique}-a",
        f"resource:testkit_item_{unique}-b",
    ]
    assert "cycle" in detail["message"]
    with pytest.raises(httpx.HTTPStatusError):
        client.get_resource("testkit", "item", f"{unique}-b")


def test_transient_failures_are_retried(client: PragmaClient, unique: str) -> None:
    client.apply_resource(item(f"{unique}-a", value="eventually", fail_attempts=2))
    ready = client.wait_ready("testkit", "item", f"{unique}-a", timeout=20)
    assert isinstance(ready, dict)
    assert ready["outputs"]["attempt"] == 3
    assert ready["error"] is None


def test_permanent_failure_dead_letters_and_retry(client: PragmaClient, unique: str) -> None:
    name = f"{unique}-bad"
    healed_at = time.time() + 1.0
    client.apply_resource(item(name, fail_until=healed_at, permanent=True))
    with pytest.raises(ResourceFailedError) as raised:
        client.wait_ready("testkit", "item", name, timeout=20)
    assert "ValueError: bad item on attempt 1" in str(raised.value)
    failed = client.get_resource("testkit", "item", name)
    assert failed["lifecycle_state"] == "failed"
    assert failed["error"] == "ValueError: bad item on attempt 1"

    letters = [e for e in client.list_dead_letter_events(provider="testkit") if e["resource_name"] == name]
    assert len(letters) == 1
    letter = letters[0]
    assert letter["resource_id"] == f"resource:testkit_item_{name}"
    assert letter["error"] == letter["error_message"] == "ValueError: bad item on attempt 1"
    assert letter["attempt_count"] == 1
    assert letter["event_type"] == "CREATE"
    assert letter["payload"]["config"]["permanent"] is True
    assert client.get_dead_letter_event(letter["event_id"])["event_id"] == letter["event_id"]

    # Once the cause is gone, retrying the dead letter brings the resource to ready.
    time.sleep(max(0.0, healed_at - time.time()))
    client.retry_dead_letter_event(letter["event_id"])
    ready = client.wait_ready("testkit", "item", name, timeout=20)
    assert isinstance(ready, dict)
    assert ready["outputs"]["attempt"] == 1
    with pytest.raises(httpx.HTTPStatusError) as missing:
        client.get_dead_letter_event(letter["event_id"])
    assert missing.value.response.status_code == 404


def test_outputs_the_platform_refuses_fail_the_resource_and_hold_back_nothing(
    client: PragmaClient, unique: str
) -> None:
    client.apply_resource(item(f"{unique}-bad", value="v", nul_in_output=True))
    client.apply_resource(item(f"{unique}-good", value="v"))
    with pytest.raises(ResourceFailedError):
        client.wait_ready("testkit", "item", f"{unique}-bad", timeout=20)
    failed = client.get_resource("testkit", "item", f"{unique}-bad")
    assert failed["error"] == (
        "The platform refused the handler's result: "
        "results.0.outputs.value: must not contain the NUL character (\\u0000)"
    )
    assert failed["outputs"] == {}
    assert client.wait_ready("testkit", "item", f"{unique}-good", timeout=20)


def test_dead_letter_bulk_operations(client: PragmaClient, engine_server: RunningServer, unique: str) -> None:
    with pytest.raises(ValueError, match="provider"):
        client.delete_dead_letter_events()
    bulk = httpx.delete(
        f"{engine_server.url}/ops/dead-letter", headers={"Authorization": f"Bearer {engine_server.token}"}
    )
    assert bulk.status_code == 400
    for index in range(2):
        client.apply_resource(item(f"{unique}-{index}", fail_attempts=5, permanent=True))
    for index in range(2):
        with pytest.raises(ResourceFailedError):
            client.wait_ready("testkit", "item", f"{unique}-{index}", timeout=20)
    assert client.retry_all_dead_letter_events() >= 2
    for index in range(2):
        with pytest.raises(ResourceFailedError):
            client.wait_ready("testkit", "item", f"{unique}-{index}", timeout=20)
    letter = client.list_dead_letter_events(provider="testkit")[0]
    client.delete_dead_letter_event(letter["event_id"])
    client.delete_dead_letter_event(letter["event_id"])  # idempotent
    assert client.delete_dead_letter_events(provider="testkit") >= 1
    assert client.list_dead_letter_events(provider="testkit") == []
    assert client.delete_dead_letter_events(all=True) == 0


def test_subresource_is_owned_and_cascade_deleted(client: PragmaClient, unique: str) -> None:
    client.apply_resource(
        {"provider": "testkit", "resource": "parent", "name": unique, "config": {"child_value": "kid"}}
    )
    parent = client.wait_ready("testkit", "parent", unique, timeout=30)
    assert isinstance(parent, dict)
    assert parent["outputs"] == {"child_value": "kid"}
    child = client.get_resource("testkit", "item", f"{unique}-child")
    assert child["owner_references"] == [{"provider": "testkit", "resource": "parent", "name": unique}]
    assert child["lifecycle_state"] == "ready"

    deleted = client._http.delete(f"/resources/resource:testkit_parent_{unique}")
    assert deleted.status_code == 200
    assert deleted.json()["deleting"] is True
    deadline = time.monotonic() + 20
    while True:
        remaining = [
            r["name"] for r in client.list_resources(provider="testkit") if r["name"].startswith(unique)
        ]
        if not remaining:
            break
        assert time.monotonic() < deadline, f"still there: {remaining}"
        time.sleep(0.05)


def test_deleting_a_dependency_is_refused_with_dependents(client: PragmaClient, unique: str) -> None:
    client.apply_resource(item(f"{unique}-a", value="x"))
    client.apply_resource(item(f"{unique}-b", echo=reference(f"{unique}-a")))
    client.wait_ready("testkit", "item", f"{unique}-b", timeout=20)
    with pytest.raises(httpx.HTTPStatusError) as raised:
        client.delete_resource("testkit", "item", f"{unique}-a")
    assert raised.value.response.status_code == 409
    assert raised.value.response.json()["detail"]["dependents"] == [f"testkit/item/{unique}-b"]
    client.delete_resource("testkit", "item", f"{unique}-b")
    client.delete_resource("testkit", "item", f"{unique}-a")
    deadline = time.monotonic() + 20
    while client.list_resources(provider="testkit", tags=None) and any(
        r["name"].startswith(unique) for r in client.list_resources(provider="testkit")
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_watch_replays_and_resumes_with_last_event_id(client: PragmaClient, unique: str) -> None:
    name = f"{unique}-w"
    client.apply_resource(item(name, value="1"))
    client.wait_ready("testkit", "item", name, timeout=20)
    replay = client.watch_resources("testkit", "item", name, last_event_id="0")
    latest = next(replay)
    replay.close()
    assert latest.event == "resource"
    assert latest.data["lifecycle_state"] == "ready"
    assert latest.id is not None

    client.apply_resource(item(name, value="2"))
    resumed = client.watch_resources("testkit", "item", name, last_event_id=latest.id)
    states = []
    for event in resumed:
        assert int(event.id or 0) > int(latest.id)
        states.append(event.data["lifecycle_state"])
        if event.data["lifecycle_state"] == "ready" and event.data["outputs"]["value"] == "2":
            break
    resumed.close()
    assert states[-1] == "ready"


def test_watch_snapshot_then_deleted_event(client: PragmaClient, unique: str) -> None:
    name = f"{unique}-s"
    client.apply_resource({**item(name), "lifecycle_state": "draft"})
    stream = client.watch_resources("testkit", "item", name)
    snapshot = next(stream)
    assert snapshot.data["lifecycle_state"] == "draft"
    client.delete_resource("testkit", "item", name)
    gone = next(stream)
    stream.close()
    assert gone.event == "deleted"
    assert gone.data == {"id": f"resource:testkit_item_{name}"}


def test_results_for_events_not_held_are_refused(engine_server: RunningServer) -> None:
    response = httpx.post(
        f"{engine_server.url}/workers/complete",
        headers={"Authorization": f"Bearer {engine_server.token}"},
        json={
            "worker_id": "impostor",
            "results": [{"event_id": "evt_nope", "status": "success", "outputs": {}}],
        },
    )
    assert response.status_code == 200
    assert response.json()["accepted"] == []
    assert "does not hold a lease" in response.json()["rejected"][0]["reason"]


def test_example_provider_app_with_database_and_owned_dns(client: PragmaClient, unique: str) -> None:
    database = f"{unique}-db"
    app = f"{unique}-web"
    client.apply_resource(
        {
            "provider": "mycloud",
            "resource": "app",
            "name": app,
            "config": {
                "database": {
                    "__dependency__": True,
                    "provider": "mycloud",
                    "resource": "database",
                    "name": database,
                },
                "image": {
                    "provider": "mycloud",
                    "resource": "database",
                    "name": database,
                    "field": "config.name",
                },
            },
        }
    )
    client.apply_resource(
        {"provider": "mycloud", "resource": "database", "name": database, "config": {"name": "orders"}}
    )
    ready = client.wait_ready("mycloud", "app", app, timeout=30)
    assert isinstance(ready, dict)
    assert ready["outputs"] == {
        "url": f"https://{app}.apps.mycloud.example",
        "database_url": "postgres://.../orders",
    }
    assert ready["resolved_config"]["image"] == "orders"
    record = client.get_resource("mycloud", "dns", f"{app}-dns")
    assert record["owner_references"] == [{"provider": "mycloud", "resource": "app", "name": app}]

    # Renaming the database reaches the app by itself.
    client.apply_resource(
        {"provider": "mycloud", "resource": "database", "name": database, "config": {"name": "sales"}}
    )
    deadline = time.monotonic() + 20
    while client.get_resource("mycloud", "app", app)["outputs"]["database_url"] != "postgres://.../sales":
        assert time.monotonic() < deadline
        time.sleep(0.05)

    client.delete_resource("mycloud", "app", app)
    deadline = time.monotonic() + 20
    while any(r["name"] in (app, f"{app}-dns") for r in client.list_resources(provider="mycloud")):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    client.delete_resource("mycloud", "database", database)


def test_health_and_logs_come_from_the_provider(client: PragmaClient, unique: str) -> None:
    client.apply_resource(item(f"{unique}-h", value="fine"))
    client.wait_ready("testkit", "item", f"{unique}-h", timeout=20)
    assert client.get_resource_health("testkit", "item", f"{unique}-h") == {
        "status": "healthy",
        "message": "value is fine",
        "details": None,
    }
    logs = client.get_resource_logs("testkit", "item", f"{unique}-h", tail=2)
    assert [entry["message"] for entry in logs] == ["line 3", "line 4"]

    client.apply_resource(item(f"{unique}-sick", value="sick"))
    client.wait_ready("testkit", "item", f"{unique}-sick", timeout=20)
    with pytest.raises(httpx.HTTPStatusError) as raised:
        client.get_resource_health("testkit", "item", f"{unique}-sick")
    assert raised.value.response.status_code == 503
    assert "RuntimeError: cannot reach the item" in str(raised.value)


def test_following_logs_streams_new_lines_as_the_provider_reports_them(
    engine_server: RunningServer, client: PragmaClient, unique: str
) -> None:
    client.apply_resource(item(f"{unique}-chatty", value="chatty"))
    client.wait_ready("testkit", "item", f"{unique}-chatty", timeout=20)
    path = f"/resources/resource:testkit_item_{unique}-chatty/logs"
    headers = {"Authorization": f"Bearer {engine_server.token}"}
    entries: list[dict[str, Any]] = []
    with (
        httpx.Client(base_url=engine_server.url, headers=headers, timeout=30) as http,
        http.stream("GET", path, params={"follow": "true", "tail": 3}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                assert kind == "log"
                entries.append(json.loads(line.removeprefix("data: ")))
                if len(entries) == 5:
                    break
    # The last three lines, then one new line per poll, each newer than the one before.
    assert [entry["message"] for entry in entries] == ["line 3", "line 4", *["still here"] * 3]
    stamps = [entry["timestamp"] for entry in entries[2:]]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 3


def test_health_without_a_worker_is_503(client: PragmaClient, unique: str) -> None:
    client.apply_resource(
        {"provider": "nobody", "resource": "thing", "name": unique, "lifecycle_state": "draft"}
    )
    with pytest.raises(httpx.HTTPStatusError) as raised:
        client.get_resource_health("nobody", "thing", unique)
    assert raised.value.response.status_code == 503
    assert "No worker of provider 'nobody' answered" in str(raised.value)
