"""The resources API over HTTP: apply, read, list with filters and cursors, delete."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def resource(provider: str, name: str = "bucket-1", **extra: Any) -> dict[str, Any]:
    return {"provider": provider, "resource": "storage", "name": name, "config": {"location": "EU"}, **extra}


def test_apply_creates_a_pending_resource_with_the_full_document(
    http: httpx.Client, provider_name: str
) -> None:
    response = http.post("/resources/apply", json=resource(provider_name, tags=["env:prod"]))
    assert response.status_code == 200
    document = response.json()
    assert document["id"] == f"resource:{provider_name}_storage_bucket-1"
    assert document["lifecycle_state"] == "pending"
    assert document["config"] == {"location": "EU"}
    assert document["tags"] == ["env:prod"]
    assert document["generation"] == 1
    assert document["provisioned"] is False
    expected = {
        "id", "provider", "resource", "name", "config", "resolved_config", "dependencies",
        "owner_references", "outputs", "error", "lifecycle_state", "pending_event_id",
        "provisioned", "tags", "created_at", "updated_at", "generation", "observed_generation",
        "waiting_on", "deleting",
    }  # fmt: skip
    assert expected <= set(document)
    assert http.get(f"/resources/{document['id']}").json() == document


def test_draft_is_stored_without_processing_and_pending_submits_it(
    http: httpx.Client, provider_name: str
) -> None:
    draft = http.post("/resources/apply", json=resource(provider_name, lifecycle_state="draft")).json()
    assert draft["lifecycle_state"] == "draft"
    submitted = http.post("/resources/apply", json=resource(provider_name, lifecycle_state="pending")).json()
    assert submitted["lifecycle_state"] == "pending"
    assert submitted["generation"] == 1


def test_identical_reapply_is_a_no_op(http: httpx.Client, provider_name: str) -> None:
    first = http.post("/resources/apply", json=resource(provider_name)).json()
    again = http.post("/resources/apply", json=resource(provider_name)).json()
    assert again == first


def test_a_fetched_document_applies_back_unchanged(http: httpx.Client, provider_name: str) -> None:
    first = http.post("/resources/apply", json=resource(provider_name)).json()
    assert http.post("/resources/apply", json=first).json() == first


def test_config_change_bumps_generation_and_updated_at(http: httpx.Client, provider_name: str) -> None:
    first = http.post("/resources/apply", json=resource(provider_name)).json()
    changed = http.post(
        "/resources/apply", json={**resource(provider_name), "config": {"location": "US"}}
    ).json()
    assert changed["generation"] == 2
    assert changed["config"] == {"location": "US"}
    assert changed["created_at"] == first["created_at"]
    assert changed["updated_at"] > first["updated_at"]


def test_tag_change_keeps_generation(http: httpx.Client, provider_name: str) -> None:
    http.post("/resources/apply", json=resource(provider_name, tags=["a"]))
    retagged = http.post("/resources/apply", json=resource(provider_name, tags=["b"])).json()
    assert retagged["tags"] == ["b"]
    assert retagged["generation"] == 1
    listed = http.get("/resources/", params={"provider": provider_name, "tags": "b"}).json()
    assert [item["name"] for item in listed] == ["bucket-1"]
    assert http.get("/resources/", params={"provider": provider_name, "tags": "a"}).json() == []


def test_dependencies_and_depends_on_are_normalized(http: httpx.Client, provider_name: str) -> None:
    body = resource(
        provider_name,
        dependencies=[{"provider": provider_name, "resource": "net/vpc", "name": "main"}],
        depends_on=[f"{provider_name}/storage/other", f"{provider_name}/net/vpc/main"],
        owner_references=[{"provider": provider_name, "resource": "team", "name": "owners"}],
    )
    document = http.post("/resources/apply", json=body).json()
    assert document["dependencies"] == [
        {"provider": provider_name, "resource": "net/vpc", "name": "main"},
        {"provider": provider_name, "resource": "storage", "name": "other"},
    ]
    assert document["owner_references"] == [{"provider": provider_name, "resource": "team", "name": "owners"}]


def test_multi_segment_types_get_underscored_ids(http: httpx.Client, provider_name: str) -> None:
    body = {"provider": provider_name, "resource": "cloudsql/database_instance", "name": "db"}
    document = http.post("/resources/apply", json=body).json()
    assert document["id"] == f"resource:{provider_name}_cloudsql_database_instance_db"
    assert http.get(f"/resources/{document['id']}/status").json() == {
        "resource_id": document["id"],
        "lifecycle_state": "pending",
        "error": None,
    }


def test_colliding_ids_are_a_409(http: httpx.Client, provider_name: str) -> None:
    assert http.post(
        "/resources/apply", json={"provider": provider_name, "resource": "a/b", "name": "x"}
    ).is_success
    clash = http.post("/resources/apply", json={"provider": provider_name, "resource": "a_b", "name": "x"})
    assert clash.status_code == 409
    assert "already used" in clash.json()["detail"]["message"]


def test_list_filters_by_provider_resource_and_all_tags(http: httpx.Client, provider_name: str) -> None:
    for name, kind, tags in [
        ("one", "storage", ["env:prod", "team:a"]),
        ("two", "storage", ["env:prod"]),
        ("three", "queue", ["env:prod", "team:a"]),
        ("four", "queue", []),
    ]:
        body = {"provider": provider_name, "resource": kind, "name": name, "tags": tags}
        assert http.post("/resources/apply", json=body).is_success

    def names(**params: Any) -> list[str]:
        return sorted(item["name"] for item in http.get("/resources/", params=params).json())

    assert names(provider=provider_name) == ["four", "one", "three", "two"]
    assert names(provider=provider_name, resource="queue") == ["four", "three"]
    assert names(provider=provider_name, tags=["env:prod", "team:a"]) == ["one", "three"]
    assert names(provider=provider_name, resource="storage", tags=["team:a"]) == ["one"]
    assert names(provider=provider_name, tags=["nope"]) == []


def test_cursor_pages_through_everything_once(http: httpx.Client, provider_name: str) -> None:
    for index in range(25):
        assert http.post("/resources/apply", json=resource(provider_name, name=f"r{index:02d}")).is_success
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"provider": provider_name, "limit": 10}
        if cursor:
            params["cursor"] = cursor
        response = http.get("/resources/", params=params)
        seen.extend(item["name"] for item in response.json())
        pages += 1
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            break
    assert pages == 3
    assert seen == [f"r{index:02d}" for index in range(25)]


def test_any_resource_id_is_a_cursor_the_page_starts_after(http: httpx.Client, provider_name: str) -> None:
    for name in ("a", "c"):
        assert http.post("/resources/apply", json=resource(provider_name, name=name)).is_success
    after_b = http.get(
        "/resources/", params={"provider": provider_name, "cursor": f"resource:{provider_name}_storage_b"}
    )
    assert [item["name"] for item in after_b.json()] == ["c"]
    page = http.get("/resources/", params={"provider": provider_name, "limit": 1})
    assert page.headers["X-Next-Cursor"] == page.json()[0]["id"]


def test_delete_never_provisioned_removes_it_then_204(http: httpx.Client, provider_name: str) -> None:
    document = http.post("/resources/apply", json=resource(provider_name)).json()
    deleted = http.delete(f"/resources/{document['id']}")
    assert deleted.status_code == 200
    assert deleted.json()["id"] == document["id"]
    assert deleted.json()["deleting"] is True
    assert http.get(f"/resources/{document['id']}").status_code == 404
    assert http.delete(f"/resources/{document['id']}").status_code == 204


def test_missing_resource_is_404_with_message(http: httpx.Client, provider_name: str) -> None:
    response = http.get(f"/resources/resource:{provider_name}_storage_nothing")
    assert response.status_code == 404
    assert "not found" in response.json()["detail"]["message"]


def test_draft_of_a_pending_resource_is_allowed_but_types_list_is_empty_without_providers(
    http: httpx.Client, provider_name: str
) -> None:
    assert http.get("/resources/types", params={"provider": provider_name}).json() == []


@pytest.mark.parametrize("count", [2])
def test_concurrent_identical_applies_create_one_resource(
    http: httpx.Client, provider_name: str, count: int
) -> None:
    import concurrent.futures

    body = resource(provider_name, name="raced")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: http.post("/resources/apply", json=body), range(8 * count)))
    assert {response.status_code for response in results} == {200}
    assert len(http.get("/resources/", params={"provider": provider_name}).json()) == 1
