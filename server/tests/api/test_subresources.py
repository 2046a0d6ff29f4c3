"""The worker routes over HTTP: subresources through a held event, and a worker token's provider scope."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from testing.fixtures.server import RunningServer, worker_token


def lease_one(client: httpx.Client, provider: str, worker_id: str) -> dict[str, Any]:
    body = {"worker_id": worker_id, "providers": [provider], "max_events": 1, "wait_seconds": 10}
    response = client.post("/workers/lease", json=body)
    assert response.status_code == 200, response.text
    (event,) = response.json()["events"]
    return dict(event)


def complete(client: httpx.Client, worker_id: str, event: dict[str, Any], **result: Any) -> dict[str, Any]:
    body = {"worker_id": worker_id, "results": [{"event_id": event["event_id"], **result}]}
    response = client.post("/workers/complete", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def apply_sub(client: httpx.Client, event: dict[str, Any], worker_id: str, **resource: Any) -> httpx.Response:
    body = {"worker_id": worker_id, "resource": {"config": {}, **resource}}
    return client.post(f"/workers/events/{event['event_id']}/apply", json=body)


def read_sub(
    client: httpx.Client, event: dict[str, Any], worker_id: str, resource_id: str, wait: float = 0
) -> httpx.Response:
    params = {"worker_id": worker_id, "wait_seconds": wait}
    return client.get(f"/workers/events/{event['event_id']}/resources/{resource_id}", params=params)


def leased_parent(http: httpx.Client, worker: httpx.Client, provider: str, **extra: Any) -> dict[str, Any]:
    """Apply ``provider/app/web`` as a user and lease its event as worker ``w1``."""
    applied = http.post(
        "/resources/apply", json={"provider": provider, "resource": "app", "name": "web", **extra}
    )
    assert applied.status_code == 200, applied.text
    return lease_one(worker, provider, "w1")


def test_a_handler_applies_and_reads_only_what_its_resource_owns(
    http: httpx.Client, worker: httpx.Client, server: RunningServer, provider_name: str
) -> None:
    event = leased_parent(http, worker, provider_name)
    parent = {"provider": provider_name, "resource": "app", "name": "web"}
    intruder = {"provider": provider_name, "resource": "other", "name": "x"}
    applied = apply_sub(
        worker,
        event,
        "w1",
        provider=provider_name,
        resource="dns",
        name="web-dns",
        owner_references=[intruder],
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["owner_references"] == [parent]
    sub_id = f"resource:{provider_name}_dns_web-dns"
    read = read_sub(worker, event, "w1", sub_id)
    assert read.status_code == 200, read.text
    assert read.json()["lifecycle_state"] == "pending"
    # Applying it again keeps it, still owned by the app.
    again = apply_sub(
        worker, event, "w1", provider=provider_name, resource="dns", name="web-dns", config={"a": 1}
    )
    assert again.status_code == 200, again.text
    assert again.json()["config"] == {"a": 1}

    # A resource the app does not own can neither be taken over nor read.
    theirs = {"provider": provider_name, "resource": "dns", "name": "users", "config": {"mine": True}}
    assert http.post("/resources/apply", json=theirs).status_code == 200
    taken = apply_sub(worker, event, "w1", provider=provider_name, resource="dns", name="users", config={})
    assert taken.status_code == 403
    assert "not owned by" in taken.json()["detail"]["message"]
    stored = http.get(f"/resources/resource:{provider_name}_dns_users").json()
    assert stored["config"] == {"mine": True}
    assert stored["owner_references"] == []
    assert read_sub(worker, event, "w1", f"resource:{provider_name}_dns_users").status_code == 404
    assert read_sub(worker, event, "w1", f"resource:{provider_name}_dns_absent").status_code == 404

    # Only the worker holding the lease, and only with a token for the event's provider.
    assert read_sub(worker, event, "w2", sub_id).status_code == 409
    not_held = apply_sub(worker, event, "w2", provider=provider_name, resource="dns", name="z")
    assert not_held.status_code == 409
    assert "does not hold the lease" in not_held.json()["detail"]["message"]
    stranger_token = worker_token(server, [f"{provider_name}-other"])
    stranger = {"Authorization": f"Bearer {stranger_token}"}
    assert (
        httpx.get(
            f"{server.url}/workers/events/{event['event_id']}/resources/{sub_id}",
            params={"worker_id": "w1"},
            headers=stranger,
        ).status_code
        == 404
    )
    assert read_sub(worker, {"event_id": "evt_unknown"}, "w1", sub_id).status_code == 404

    # Once the event is completed, it is gone and so is the handler's reach.
    assert complete(worker, "w1", event, status="success", outputs={})["accepted"] == [event["event_id"]]
    assert read_sub(worker, event, "w1", sub_id).status_code == 404
    late = apply_sub(worker, event, "w1", provider=provider_name, resource="dns", name="late")
    assert late.status_code == 404
    assert "it was completed" in late.json()["detail"]["message"]
    assert http.get(f"/resources/resource:{provider_name}_dns_late").status_code == 404


def test_waiting_for_a_subresource_returns_as_soon_as_it_is_ready_or_failed(
    http: httpx.Client, worker: httpx.Client, provider_name: str
) -> None:
    event = leased_parent(http, worker, provider_name)
    for name in ("good", "bad", "slow"):
        assert (
            apply_sub(worker, event, "w1", provider=provider_name, resource="dns", name=name).status_code
            == 200
        )

    started = time.monotonic()
    pending = read_sub(worker, event, "w1", f"resource:{provider_name}_dns_slow", wait=1)
    assert pending.json()["lifecycle_state"] == "pending"
    assert time.monotonic() - started >= 0.9

    with ThreadPoolExecutor(max_workers=2) as pool:
        good = pool.submit(read_sub, worker, event, "w1", f"resource:{provider_name}_dns_good", 30)
        bad = pool.submit(read_sub, worker, event, "w1", f"resource:{provider_name}_dns_bad", 30)
        time.sleep(0.5)
        assert not good.done()
        started = time.monotonic()
        for _ in range(2):
            sub = lease_one(worker, provider_name, "w2")
            if sub["name"] == "good":
                complete(worker, "w2", sub, status="success", outputs={"fqdn": "good.example"})
            else:
                complete(worker, "w2", sub, status="failure", error="ValueError: no", permanent=True)
        ready, failed = good.result(timeout=30).json(), bad.result(timeout=30).json()
        assert time.monotonic() - started < 10
    assert ready["lifecycle_state"] == "ready"
    assert ready["outputs"] == {"fqdn": "good.example"}
    assert failed["lifecycle_state"] == "failed"
    assert "ValueError: no" in failed["error"]


def test_a_subresource_may_refer_only_to_what_its_owner_may_see(
    http: httpx.Client, worker: httpx.Client, provider_name: str, unique: str
) -> None:
    base = {"provider": provider_name, "resource": "base", "name": "b", "config": {}}
    assert http.post("/resources/apply", json=base).status_code == 200
    complete(worker, "w0", lease_one(worker, provider_name, "w0"), status="success", outputs={"x": "1"})
    secret = {"provider": "pragma", "resource": "secret", "name": unique, "config": {"data": {"k": "hush"}}}
    assert http.post("/resources/apply", json=secret).status_code == 200
    event = leased_parent(http, worker, provider_name, dependencies=[f"{provider_name}/base/b"])

    def sub(name: str, config: dict[str, Any]) -> httpx.Response:
        return apply_sub(
            worker, event, "w1", provider=provider_name, resource="dns", name=name, config=config
        )

    on_base = {"provider": provider_name, "resource": "base", "name": "b", "field": "outputs.x"}
    assert sub("one", {"x": on_base}).status_code == 200
    assert sub("two", {"x": f"${{{provider_name}/dns/one.outputs.fqdn}}"}).status_code == 200
    assert (
        sub(
            "three",
            {"x": {"__dependency__": True, "provider": provider_name, "resource": "app", "name": "web"}},
        ).status_code
        == 200
    )
    refused = sub("four", {"x": f"${{pragma/secret/{unique}.config.data.k}}"})
    assert refused.status_code == 403
    assert refused.json()["detail"]["references"] == [f"pragma/secret/{unique}"]
    assert http.get(f"/resources/resource:{provider_name}_dns_four").status_code == 404


def test_heartbeats_results_and_answers_reach_only_the_token_s_own_providers(
    http: httpx.Client, worker: httpx.Client, provider_name: str
) -> None:
    theirs = f"{provider_name}-b"
    item = {"provider": theirs, "resource": "item", "name": "i", "config": {}}
    assert http.post("/resources/apply", json=item).status_code == 200
    event = lease_one(http, theirs, "shared")  # a user's token may serve any provider

    # A worker token naming the other provider's worker id still cannot touch its events.
    beat = worker.post("/workers/heartbeat", json={"worker_id": "shared", "event_ids": [event["event_id"]]})
    assert beat.json() == {"held": [], "lost": [event["event_id"]]}
    forged = complete(worker, "shared", event, status="success", outputs={"forged": True})
    assert forged["accepted"] == []
    assert complete(http, "shared", event, status="success", outputs={})["accepted"] == [event["event_id"]]
    assert http.get(f"/resources/resource:{theirs}_item_i").json()["outputs"] == {}

    with ThreadPoolExecutor(max_workers=1) as pool:
        health = pool.submit(http.get, f"/resources/resource:{theirs}_item_i/health")
        body = {"worker_id": "q", "providers": [theirs], "wait_seconds": 10}
        (query,) = http.post("/workers/lease", json=body).json()["queries"]
        answer = {"worker_id": "q", "result": {"status": "healthy", "message": "forged"}}
        assert worker.post(f"/workers/queries/{query['query_id']}", json=answer).status_code == 404
        answer["result"]["message"] = "fine"
        assert http.post(f"/workers/queries/{query['query_id']}", json=answer).status_code == 204
        assert health.result(timeout=30).json()["message"] == "fine"


def test_a_completion_can_lease_the_dependent_it_made_due(
    http: httpx.Client, worker: httpx.Client, provider_name: str
) -> None:
    database = {"provider": provider_name, "resource": "db", "name": "main", "config": {}}
    app = {
        "provider": provider_name,
        "resource": "app",
        "name": "web",
        "config": {
            "host": {"provider": provider_name, "resource": "db", "name": "main", "field": "outputs.host"}
        },
    }
    for body in (database, app):
        assert http.post("/resources/apply", json=body).status_code == 200
    event = lease_one(worker, provider_name, "w1")
    assert event["resource"] == "db"

    lease = {"providers": [provider_name], "max_events": 5}
    body = {
        "worker_id": "w1",
        "results": [{"event_id": event["event_id"], "status": "success", "outputs": {"host": "10.0.0.1"}}],
        "lease": lease,
    }
    answer = worker.post("/workers/complete", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == [event["event_id"]]
    (leased,) = answer.json()["events"]
    assert (leased["resource"], leased["config"]) == ("app", {"host": "10.0.0.1"})
    # It is this worker's lease: its result is taken, and nothing is left for a poll.
    assert complete(worker, "w1", leased, status="success")["accepted"] == [leased["event_id"]]
    nothing = worker.post(
        "/workers/lease", json={"worker_id": "w2", "providers": [provider_name], "wait_seconds": 0}
    )
    assert nothing.json()["events"] == []


def test_a_completion_leases_only_for_the_worker_tokens_providers(
    http: httpx.Client, worker: httpx.Client, provider_name: str
) -> None:
    event = leased_parent(http, worker, provider_name)
    body = {
        "worker_id": "w1",
        "results": [{"event_id": event["event_id"], "status": "success"}],
        "lease": {"providers": ["someone-else"], "max_events": 1},
    }
    refused = worker.post("/workers/complete", json=body)
    assert refused.status_code == 404, refused.text
    assert refused.json()["detail"]["field"] == "providers"
    # Refused as a whole: the result was not taken either.
    assert complete(worker, "w1", event, status="success")["accepted"] == [event["event_id"]]
