"""Resources nobody would process say so: a type its provider does not have is refused at
apply time, and a resource of a provider with no worker says that no worker has connected."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from testing.fixtures.provider_projects import widget_project
from testing.fixtures.server import RunningServer, start_worker
from testing.fixtures.waiting import eventually


def test_a_type_a_registered_provider_does_not_have_is_refused_naming_its_types(
    engine_server: RunningServer, unique: str
) -> None:
    headers = {"Authorization": f"Bearer {engine_server.token}"}
    with httpx.Client(base_url=engine_server.url, headers=headers, timeout=30) as http:
        types = http.get("/resources/types", params={"provider": "testkit"}).json()
        known = sorted(item["resource"] for item in types)
        assert "item" in known
        refused = http.post(
            "/resources/apply", json={"provider": "testkit", "resource": "gizmo", "name": unique}
        )
        assert refused.status_code == 422, refused.text
        detail = refused.json()["detail"]
        assert detail["field"] == "resource"
        assert detail["known_types"] == known
        assert "provider 'testkit' has no resource type 'gizmo'" in detail["message"]
        assert ", ".join(known) in detail["message"]
        assert http.get(f"/resources/resource:testkit_gizmo_{unique}").status_code == 404
        # A provider that registered no types (its workers run elsewhere) takes any type.
        accepted = http.post(
            "/resources/apply", json={"provider": f"{unique}-own", "resource": "gizmo", "name": "g"}
        )
        assert accepted.status_code == 200, accepted.text


def test_a_resource_says_no_worker_has_connected_until_one_takes_it(
    server: RunningServer,
    http: httpx.Client,
    provider_name: str,
    tmp_path: Path,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    body = {"provider": provider_name, "resource": "widget", "name": "w1", "config": {"size": 2}}
    applied = http.post("/resources/apply", json=body)
    assert applied.status_code == 200, applied.text
    expected = f"no worker of provider {provider_name} has connected"
    assert applied.json()["lifecycle_state"] == "pending"
    assert applied.json()["message"].startswith(expected)
    resource_id = applied.json()["id"]
    document = http.get(f"/resources/{resource_id}").json()
    assert (document["lifecycle_state"], document["waiting_on"], document["error"]) == ("pending", [], None)
    assert document["message"].startswith(expected)
    listed = http.get("/resources/", params={"provider": provider_name}).json()
    assert [item["message"].startswith(expected) for item in listed] == [True]

    # Built-in resources run in the server: they never wait for a worker.
    builtin = http.post(
        "/resources/apply",
        json={"provider": "pragma", "resource": "config", "name": provider_name, "config": {"data": {}}},
    ).json()
    assert builtin.get("message") is None

    project = widget_project(tmp_path, provider_name)
    processes.append(start_worker(server, project))
    ready = eventually(
        lambda: (
            (found := http.get(f"/resources/{resource_id}").json())["lifecycle_state"] == "ready" and found
        ),
        "the widget is ready once a worker connects",
    )
    assert ready["outputs"]["size"] == 2
    assert ready.get("message") is None
    # While a worker polls, a new resource of its provider does not say otherwise.
    again = http.post("/resources/apply", json={**body, "name": "w2"}).json()
    assert again.get("message") is None
