"""A resource's history end to end (``GET /resources/{id}/history``): every lifecycle
transition with its cause, actor, config or outputs changes, attempt and error, written by
a server running real worker processes; secrets never show; keyset pages."""

from __future__ import annotations

import functools
import time
from typing import Any

import httpx
import pytest

from pragma_sdk import PragmaClient, ResourceFailedError
from pragma_sdk.models import ResourceHistoryEntry
from testing.fixtures import waiting
from testing.fixtures.secrets import apply_and_wait, secret_body
from testing.fixtures.server import RunningServer

eventually = functools.partial(waiting.eventually, seconds=30, interval=0.05)


def item(name: str, **config: Any) -> dict[str, Any]:
    return {"provider": "testkit", "resource": "item", "name": name, "config": config}


def reference(provider: str, resource: str, name: str, field: str = "outputs.value") -> dict[str, str]:
    return {"provider": provider, "resource": resource, "name": name, "field": field}


def history(
    client: PragmaClient, name: str, provider: str = "testkit", resource: str = "item"
) -> list[dict[str, Any]]:
    entries = client.get_resource_history(provider, resource, name)
    for entry in entries:
        ResourceHistoryEntry.model_validate(entry)
    return entries


def causes(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["cause"] for entry in entries]


def http_of(server: RunningServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=30)


def test_apply_propagation_failure_retry_and_delete_each_leave_an_entry(
    client: PragmaClient, unique: str
) -> None:
    a, b, c = f"{unique}-a", f"{unique}-b", f"{unique}-c"
    client.apply_resource(item(a, value="v1"))
    client.apply_resource(item(b, echo=reference("testkit", "item", a)))
    client.wait_ready("testkit", "item", b, timeout=20)
    client.apply_resource(item(a, value="v2"))
    eventually(
        lambda: client.get_resource("testkit", "item", b)["outputs"]["echo"] == "v2", "the new value in b"
    )
    eventually(lambda: client.get_resource("testkit", "item", b)["lifecycle_state"] == "ready", "b ready")

    entries_a = history(client, a)
    assert entries_a == sorted(entries_a, key=lambda entry: entry["id"], reverse=True)
    assert causes(entries_a) == ["success", "lease", "apply", "success", "lease", "apply"]
    first_apply, second_apply = entries_a[-1], entries_a[2]
    assert first_apply["from_state"] is None
    assert first_apply["to_state"] == "pending"
    assert "token" in first_apply["actor"]
    assert first_apply["generation"] == 1
    assert {"path": "value", "change": "added", "old": None, "new": "v1"} in first_apply["config_changes"]
    assert second_apply["config_changes"] == [
        {"path": "value", "change": "changed", "old": "v1", "new": "v2"}
    ]
    assert second_apply["generation"] == 2
    assert second_apply["actor"] == first_apply["actor"]
    success = entries_a[0]
    assert success["from_state"] == "processing"
    assert success["to_state"] == "ready"
    assert {"path": "value", "change": "changed", "old": "v1", "new": "v2"} in success["outputs_changes"]
    assert success["actor"] == entries_a[1]["actor"] != first_apply["actor"]  # the worker
    assert success["attempt"] == 1
    assert success["duration_ms"] >= 0

    entries_b = history(client, b)
    [propagated] = [entry for entry in entries_b if entry["cause"] == "dependency_change"]
    assert propagated["caused_by"] == f"resource:testkit_item_{a}"
    assert propagated["from_state"] == "ready"
    assert propagated["to_state"] == "pending"

    healed_at = time.time() + 1.0
    client.apply_resource(item(c, fail_until=healed_at, permanent=True))
    with pytest.raises(ResourceFailedError):
        client.wait_ready("testkit", "item", c, timeout=20)
    [letter] = [e for e in client.list_dead_letter_events(provider="testkit") if e["resource_name"] == c]
    failed = history(client, c)[0]
    assert failed["cause"] == "failure"
    assert failed["to_state"] == "failed"
    assert failed["error"] == "ValueError: bad item on attempt 1"
    assert "ValueError: bad item on attempt 1" in failed["error_traceback"]
    assert "Traceback" in failed["error_traceback"]
    assert failed["attempt"] == 1
    assert failed["event_id"] == letter["event_id"]

    time.sleep(max(0.0, healed_at - time.time()))
    client.retry_dead_letter_event(letter["event_id"])
    client.wait_ready("testkit", "item", c, timeout=20)
    client.delete_resource("testkit", "item", c)
    eventually(lambda: not any(r["name"] == c for r in client.list_resources(provider="testkit")), "c gone")

    # Gone, and its history still reads.
    entries_c = history(client, c)
    assert causes(entries_c) == [
        "remove", "lease", "delete", "success", "lease", "dead_letter_retry", "failure", "lease", "apply"
    ]  # fmt: skip
    retried, deleted, removed = entries_c[5], entries_c[2], entries_c[0]
    assert retried["actor"] == deleted["actor"] == entries_c[-1]["actor"]
    assert retried["from_state"] == "failed"
    assert retried["to_state"] == "pending"
    assert deleted["from_state"] == "ready"
    assert deleted["to_state"] == "pending"
    assert removed["to_state"] is None
    assert removed["from_state"] == "processing"


def test_a_cascade_names_the_owner(client: PragmaClient, unique: str) -> None:
    parent = f"{unique}-p"
    body = {"provider": "testkit", "resource": "parent", "name": parent, "config": {"child_value": "v"}}
    client.apply_resource(body)
    client.wait_ready("testkit", "parent", parent, timeout=30)
    client.delete_resource("testkit", "parent", parent)
    child = f"{parent}-child"
    eventually(lambda: any(e["cause"] == "delete" for e in history(client, child)), "the child's delete")
    [cascade] = [entry for entry in history(client, child) if entry["cause"] == "delete"]
    assert cascade["caused_by"] == f"resource:testkit_parent_{parent}"
    [own] = [entry for entry in history(client, parent, resource="parent") if entry["cause"] == "delete"]
    assert own["caused_by"] is None
    assert "token" in own["actor"]


def test_secret_values_never_show_in_history(
    engine_server: RunningServer, client: PragmaClient, unique: str
) -> None:
    first, second = f"sk-{unique}-first-do-not-leak", f"sk-{unique}-second-do-not-leak"
    apply_and_wait(client, secret_body(f"{unique}-key", api_key=first))
    echo = item(f"{unique}-echo", echo=reference("pragma", "secret", f"{unique}-key", "outputs.api_key"))
    apply_and_wait(client, echo)
    apply_and_wait(client, secret_body(f"{unique}-key", api_key=second))
    eventually(
        lambda: sum(e["cause"] == "success" for e in history(client, f"{unique}-echo")) >= 2,
        "the echo updated",
    )
    with http_of(engine_server) as http:
        for resource_id in (f"resource:pragma_secret_{unique}-key", f"resource:testkit_item_{unique}-echo"):
            response = http.get(f"/resources/{resource_id}/history")
            assert response.status_code == 200
            assert first not in response.text
            assert second not in response.text
    changed = next(
        entry for entry in history(client, f"{unique}-key", "pragma", "secret") if entry["config_changes"]
    )
    assert changed["config_changes"] == [
        {"path": "data.api_key", "change": "changed", "old": "[redacted]", "new": "[redacted]"}
    ]


def test_pages_walk_every_entry_once_newest_first(
    engine_server: RunningServer, client: PragmaClient, unique: str
) -> None:
    name = f"{unique}-paged"
    for value in ("1", "2", "3"):
        client.apply_resource(item(name, value=value))
        client.wait_ready("testkit", "item", name, timeout=20)
    everything = [entry["id"] for entry in history(client, name)]
    assert len(everything) >= 9
    resource_id = f"resource:testkit_item_{name}"
    seen: list[int] = []
    cursor: str | None = None
    with http_of(engine_server) as http:
        while True:
            params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            response = http.get(f"/resources/{resource_id}/history", params=params)
            assert response.status_code == 200
            assert len(response.json()) == 1
            seen.extend(entry["id"] for entry in response.json())
            cursor = response.headers.get("X-Next-Cursor")
            if not cursor:
                break
    assert seen == everything == sorted(everything, reverse=True)
    assert [e["id"] for e in client.get_resource_history("testkit", "item", name, limit=2)] == everything[:2]
    after = client.get_resource_history("testkit", "item", name, limit=3, cursor=str(everything[1]))
    assert [e["id"] for e in after] == everything[2:5]


@pytest.mark.parametrize("cursor", ["abc", "", "-1", "1.5", "1234567890123456789", "١٢"])
def test_a_bad_cursor_is_422_naming_it(engine_server: RunningServer, cursor: str, unique: str) -> None:
    with http_of(engine_server) as http:
        http.post("/resources/apply", json=item(f"{unique}-x", value="v"))
        response = http.get(f"/resources/resource:testkit_item_{unique}-x/history", params={"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["detail"]["field"] == "cursor"


@pytest.mark.parametrize("limit", ["0", "1001", "x"])
def test_a_bad_limit_is_422_naming_it(engine_server: RunningServer, limit: str, unique: str) -> None:
    with http_of(engine_server) as http:
        response = http.get(f"/resources/resource:testkit_item_{unique}-x/history", params={"limit": limit})
    assert response.status_code == 422
    assert "limit" in response.text


def test_an_unknown_resource_is_404(engine_server: RunningServer, unique: str) -> None:
    with http_of(engine_server) as http:
        response = http.get(f"/resources/resource:testkit_item_{unique}-never/history")
        assert response.status_code == 404
        assert http.get("/resources/not-an-id/history").status_code == 422
