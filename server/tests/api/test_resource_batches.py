"""``POST /resources/apply/batch`` over HTTP: every document checked, then all written or none."""

from __future__ import annotations

from typing import Any

import httpx

from pragma_sdk.models import resource_id


def item(provider: str, name: str, **config: Any) -> dict[str, Any]:
    return {"provider": provider, "resource": "item", "name": name, "config": config}


def reference(provider: str, name: str) -> dict[str, str]:
    return {"provider": provider, "resource": "item", "name": name, "field": "outputs.value"}


def stored(http: httpx.Client, provider: str) -> list[str]:
    return [document["name"] for document in http.get("/resources/", params={"provider": provider}).json()]


def test_a_cycle_between_two_documents_is_refused_and_neither_is_stored(
    http: httpx.Client, provider_name: str
) -> None:
    documents = [
        item(provider_name, "a", value=reference(provider_name, "b")),
        item(provider_name, "b", value=reference(provider_name, "a")),
    ]
    response = http.post("/resources/apply/batch", json={"documents": documents})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["field"] == "documents[1].dependencies"
    [error] = detail["errors"]
    assert error["index"] == 1
    assert error["cycle"] == [resource_id(provider_name, "item", n) for n in ("b", "a", "b")]
    assert "cycle" in error["rule"]
    assert stored(http, provider_name) == []


def test_a_valid_pair_is_stored_whole_in_the_order_sent(http: httpx.Client, provider_name: str) -> None:
    documents = [
        item(provider_name, "web", url=reference(provider_name, "db")),
        item(provider_name, "db", size=1),
    ]
    response = http.post("/resources/apply/batch", json={"documents": documents})
    assert response.status_code == 200, response.text
    answered = response.json()["resources"]
    assert [document["name"] for document in answered] == ["web", "db"]
    assert answered[0]["waiting_on"] == [f"{provider_name}/item/db"]
    assert stored(http, provider_name) == ["db", "web"]
    for document in answered:
        assert http.get(f"/resources/{document['id']}").json() == document


def test_every_problem_of_every_document_is_named_and_nothing_is_stored(
    http: httpx.Client, provider_name: str
) -> None:
    existing = http.post(
        "/resources/apply", json=item(provider_name, "x", value=reference(provider_name, "y"))
    )
    assert existing.status_code == 200
    documents = [
        # Two broken rules of the built-in pragma/config's schema.
        {
            "provider": "pragma",
            "resource": "config",
            "name": f"{provider_name}-cfg",
            "config": {"data": 5, "extra": 1},
        },
        item(provider_name, "fine", value="ok"),
        # A cycle with what is stored: x already depends on y.
        item(provider_name, "y", value=reference(provider_name, "x")),
        item(provider_name, "fine", value="again"),
    ]
    response = http.post("/resources/apply/batch", json={"documents": documents})
    assert response.status_code == 422
    errors = response.json()["detail"]["errors"]
    assert [(error["index"], error["field"]) for error in errors] == [
        (0, "documents[0].config"),
        (0, "documents[0].config.data"),
        (2, "documents[2].dependencies"),
        (3, "documents[3].name"),
    ]
    assert all(error["rule"] for error in errors)
    assert stored(http, provider_name) == ["x"]
    assert (
        http.get(f"/resources/{resource_id('pragma', 'config', f'{provider_name}-cfg')}").status_code == 404
    )


def test_clashes_alone_are_a_409(http: httpx.Client, provider_name: str) -> None:
    assert http.post(
        "/resources/apply", json={"provider": provider_name, "resource": "a/b", "name": "x"}
    ).is_success
    documents = [
        {"provider": provider_name, "resource": "other", "name": "new"},
        {"provider": provider_name, "resource": "a_b", "name": "x"},
    ]
    response = http.post("/resources/apply/batch", json={"documents": documents})
    assert response.status_code == 409
    [error] = response.json()["detail"]["errors"]
    assert error["field"] == "documents[1].name"
    assert "already used" in error["rule"]
    assert stored(http, provider_name) == ["x"]


def test_a_malformed_document_is_named_by_its_index(http: httpx.Client, provider_name: str) -> None:
    documents = [
        item(provider_name, "good"),
        {"provider": provider_name, "resource": "item", "name": "Bad Name"},
    ]
    response = http.post("/resources/apply/batch", json={"documents": documents})
    assert response.status_code == 422
    [entry] = response.json()["detail"]
    assert entry["loc"] == ["body", "documents", 1, "name"]
    assert stored(http, provider_name) == []
