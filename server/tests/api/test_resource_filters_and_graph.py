"""GET /resources/ by state and name, and GET /resources/graph, over HTTP on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from testing.fixtures.errors import refused_fields
from testing.fixtures.server import RunningServer, new_tenant_token


def _apply(http: httpx.Client, provider: str, name: str, **fields: Any) -> None:
    body = {"provider": provider, "resource": "thing", "name": name, "config": {}, **fields}
    response = http.post("/resources/apply", json=body)
    assert response.status_code == 200, response.text


def _ref(provider: str, name: str) -> dict[str, str]:
    return {"provider": provider, "resource": "thing", "name": name}


def _names(http: httpx.Client, **params: Any) -> list[str]:
    response = http.get("/resources/", params=params)
    assert response.status_code == 200, response.text
    return [document["name"] for document in response.json()]


def test_list_filters_by_state_and_name_contains_composing_with_provider_and_paging(
    http: httpx.Client, provider_name: str
) -> None:
    for name in ("web-alpha", "web-beta", "db-alpha"):
        _apply(http, provider_name, name)
    _apply(http, provider_name, "web-draft", lifecycle_state="draft")

    assert _names(http, provider=provider_name, state="draft") == ["web-draft"]
    assert _names(http, provider=provider_name, state="pending") == ["db-alpha", "web-alpha", "web-beta"]
    assert _names(http, provider=provider_name, name_contains="ALPHA") == ["db-alpha", "web-alpha"]
    assert _names(http, provider=provider_name, name_contains="web", state="pending") == [
        "web-alpha",
        "web-beta",
    ]
    # LIKE's wildcards are plain characters here.
    assert _names(http, provider=provider_name, name_contains="%") == []
    assert _names(http, provider=provider_name, name_contains="_") == []

    first = http.get("/resources/", params={"provider": provider_name, "name_contains": "web", "limit": 2})
    assert [d["name"] for d in first.json()] == ["web-alpha", "web-beta"]
    cursor = first.headers["X-Next-Cursor"]
    rest = _names(http, provider=provider_name, name_contains="web", limit=2, cursor=cursor)
    assert rest == ["web-draft"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "sleeping"}, "state"),
        ({"name_contains": ""}, "name_contains"),
        ({"name_contains": "x" * 64}, "name_contains"),
    ],
)
def test_bad_filters_are_422_naming_the_field(http: httpx.Client, params: dict[str, str], field: str) -> None:
    response = http.get("/resources/", params=params)
    assert response.status_code == 422
    assert refused_fields(response.json()) == [field]


def test_graph_around_a_resource_has_dependencies_dependents_and_owners(
    http: httpx.Client, provider_name: str
) -> None:
    p = provider_name
    _apply(http, p, "network")
    _apply(http, p, "database", dependencies=[_ref(p, "network")])
    _apply(http, p, "app", dependencies=[_ref(p, "database")])
    _apply(http, p, "backup", owner_references=[_ref(p, "database")])
    _apply(http, p, "unrelated")
    database = f"resource:{p}_thing_database"

    near = http.get(f"/resources/{database}/graph")
    assert near.status_code == 200, near.text
    graph = near.json()
    assert {node["name"] for node in graph["nodes"]} == {"network", "database", "app", "backup"}
    names = {node["id"]: node["name"] for node in graph["nodes"]}
    assert {(names[e["from"]], names[e["to"]], e["kind"]) for e in graph["edges"]} == {
        ("database", "network", "dependency"),
        ("app", "database", "dependency"),
        ("backup", "database", "owner"),
    }
    assert graph["truncated"] is False
    assert all(node["lifecycle_state"] == "pending" for node in graph["nodes"])

    from_app = http.get(f"/resources/resource:{p}_thing_app/graph", params={"depth": 1}).json()
    assert {node["name"] for node in from_app["nodes"]} == {"app", "database"}
    deeper = http.get(f"/resources/resource:{p}_thing_app/graph", params={"depth": 2}).json()
    assert {node["name"] for node in deeper["nodes"]} == {"app", "database", "network", "backup"}

    whole = http.get("/resources/graph", params={"provider": p}).json()
    assert {node["name"] for node in whole["nodes"]} == {"network", "database", "app", "backup", "unrelated"}
    assert len(whole["edges"]) == 3


def test_graph_shows_a_missing_dependency_as_a_node_that_does_not_exist(
    http: httpx.Client, provider_name: str
) -> None:
    _apply(http, provider_name, "waiter", dependencies=[_ref(provider_name, "later")])
    graph = http.get(
        "/resources/graph", params={"resource_id": f"resource:{provider_name}_thing_waiter"}
    ).json()
    missing = next(node for node in graph["nodes"] if node["name"] == "later")
    assert (missing["exists"], missing["lifecycle_state"]) == (False, None)


def test_the_graph_without_a_provider_holds_every_resource_of_the_organization_only(
    http: httpx.Client, server: RunningServer, provider_name: str
) -> None:
    _apply(http, provider_name, "mine")
    everything = http.get("/resources/graph").json()
    assert f"resource:{provider_name}_thing_mine" in {node["id"] for node in everything["nodes"]}
    other = new_tenant_token(server, f"graph-{provider_name}", f"{provider_name}@example.com")
    theirs = httpx.get(f"{server.url}/resources/graph", headers={"Authorization": f"Bearer {other}"})
    assert theirs.json() == {"nodes": [], "edges": [], "truncated": False}
    around = httpx.get(
        f"{server.url}/resources/resource:{provider_name}_thing_mine/graph",
        headers={"Authorization": f"Bearer {other}"},
    )
    assert around.status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/resources/not-an-id/graph", {}, "resource_id"),
        ("/resources/resource:a_b_c/graph", {"depth": 0}, "depth"),
        ("/resources/resource:a_b_c/graph", {"depth": 6}, "depth"),
        ("/resources/graph", {"provider": "Bad Name"}, "provider"),
    ],
)
def test_bad_graph_requests_are_422_naming_the_field(
    http: httpx.Client, path: str, params: dict[str, Any], field: str
) -> None:
    response = http.get(path, params=params)
    assert response.status_code == 422, response.text
    assert refused_fields(response.json()) == [field]


def test_graph_of_an_unknown_resource_is_404(http: httpx.Client, provider_name: str) -> None:
    response = http.get(f"/resources/resource:{provider_name}_thing_none/graph")
    assert response.status_code == 404
