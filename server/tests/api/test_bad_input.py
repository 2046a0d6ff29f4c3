"""Bad input: every case is a 4xx naming the field and the rule, and nothing is written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def good(provider: str) -> dict[str, Any]:
    return {"provider": provider, "resource": "storage", "name": "ok", "config": {}}


def messages(response: httpx.Response) -> str:
    detail = response.json()["detail"]
    if isinstance(detail, dict):
        return str(detail["message"])
    return " | ".join(f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in detail)


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"name": "Upper"}, "name", "lowercase DNS label"),
        ({"name": "-lead"}, "name", "lowercase DNS label"),
        ({"name": "x" * 64}, "name", "at most 63"),
        ({"name": ""}, "name", "lowercase DNS label"),
        ({"provider": "9gcp"}, "provider", "start with a lowercase letter"),
        ({"provider": "gcp_x"}, "provider", "start with a lowercase letter"),
        ({"resource": "Bucket"}, "resource", "segments"),
        ({"resource": "a//b"}, "resource", "segments"),
        ({"resource": "/a"}, "resource", "segments"),
        ({"config": "text"}, "config", "dictionary"),
        ({"config": [1, 2]}, "config", "dictionary"),
        ({"tags": "env:prod"}, "tags", "list"),
        ({"tags": [""]}, "tags.0", "non-empty"),
        ({"tags": [1]}, "tags.0", "string"),
        ({"lifecycle_state": "sideways"}, "lifecycle_state", "draft"),
        ({"surprise": 1}, "surprise", "Unknown field"),
        ({"dependencies": ["only-two/parts"]}, "dependencies.0", "provider/resource/name"),
        ({"owner_references": [{"provider": "p"}]}, "owner_references.0.resource", "required"),
        (
            {"owner_references": [{"provider": "p", "resource": "r", "name": f"n{i}"} for i in range(65)]},
            "owner_references",
            "at most 64",
        ),
    ],
)
def test_invalid_fields_are_422_naming_field_and_rule(
    http: httpx.Client, provider_name: str, change: dict[str, Any], field: str, rule: str
) -> None:
    body = {**good(provider_name), **change}
    response = http.post("/resources/apply", json=body)
    assert response.status_code == 422, response.text
    text = messages(response)
    assert field in text
    assert rule in text
    assert http.get("/resources/", params={"provider": provider_name}).json() == []


def test_missing_required_fields_are_named(http: httpx.Client) -> None:
    response = http.post("/resources/apply", json={"config": {}})
    assert response.status_code == 422
    text = messages(response)
    for field in ("provider", "resource", "name"):
        assert f"body.{field}: Field required" in text


def test_malformed_json_is_422_saying_so(http: httpx.Client) -> None:
    response = http.post(
        "/resources/apply", content=b'{"provider": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON" in messages(response)


def test_body_that_is_not_an_object_is_422(http: httpx.Client) -> None:
    response = http.post("/resources/apply", json=[1, 2])
    assert response.status_code == 422
    assert "JSON object" in messages(response)


def test_form_encoded_body_is_422_asking_for_json(http: httpx.Client) -> None:
    response = http.post("/resources/apply", content=b"provider=x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 422
    assert "Content-Type: application/json" in messages(response)


def test_body_over_one_mebibyte_is_413(http: httpx.Client, provider_name: str) -> None:
    body = {**good(provider_name), "config": {"blob": "x" * (1024 * 1024)}}
    response = http.post("/resources/apply", json=body)
    assert response.status_code == 413
    assert response.json()["detail"]["field"] == "body"
    assert http.get("/resources/", params={"provider": provider_name}).json() == []


def test_oversized_chunked_body_is_413(http: httpx.Client, provider_name: str) -> None:
    def chunks() -> Any:
        yield b'{"provider": "' + provider_name.encode() + b'", "config": {"x": "'
        for _ in range(20):
            yield b"y" * 65536
        yield b'"}}'

    response = http.post("/resources/apply", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("bad_id", ["nothing-like-an-id", "resource:UPPER_x_y", "resource:"])
def test_malformed_resource_ids_are_422(http: httpx.Client, bad_id: str) -> None:
    for method in ("GET", "DELETE"):
        response = http.request(method, f"/resources/{bad_id}")
        assert response.status_code == 422, (method, response.text)
        assert "resource_id" in messages(response)


def test_bad_cursor_and_limit_are_422(http: httpx.Client) -> None:
    for bad in ("%%%", "", "cmVzb3VyY2U6YV9iX2M"):
        cursor = http.get("/resources/", params={"cursor": bad, "limit": 5})
        assert cursor.status_code == 422
        assert "cursor" in messages(cursor)
    limit = http.get("/resources/", params={"limit": 0})
    assert limit.status_code == 422
    assert "limit" in messages(limit)


def test_provisioned_state_fields_in_the_body_are_ignored(http: httpx.Client, provider_name: str) -> None:
    body = {**good(provider_name), "outputs": {"forged": True}, "provisioned": True, "error": "x"}
    document = http.post("/resources/apply", json=body).json()
    assert document["outputs"] == {}
    assert document["provisioned"] is False
    assert document["error"] is None


def test_depends_on_is_capped_at_256_entries(http: httpx.Client, provider_name: str) -> None:
    many = [f"p/r/n{i}" for i in range(20_000)]
    response = http.post("/resources/apply", json={**good(provider_name), "depends_on": many})
    assert response.status_code == 422
    assert "body.depends_on: List should have at most 256 items" in messages(response)
    together = {"dependencies": many[:200], "depends_on": many[200:400]}
    response = http.post("/resources/apply", json={**good(provider_name), **together})
    assert response.status_code == 422
    assert "dependencies and depends_on together name 400 resources; at most 256" in messages(response)
    assert http.get("/resources/", params={"provider": provider_name}).json() == []


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"wait_seconds": False}, "wait_seconds", "valid number"),
        ({"wait_seconds": "0"}, "wait_seconds", "valid number"),
        ({"max_events": True}, "max_events", "valid integer"),
        ({"max_events": 5.5}, "max_events", "valid integer"),
        ({"max_events": "5"}, "max_events", "valid integer"),
        ({"providers": [""]}, "providers.0", "must start with a lowercase letter"),
        ({"providers": ["Upper"]}, "providers.0", "must start with a lowercase letter"),
    ],
)
def test_lease_requests_take_no_loosely_typed_values(
    http: httpx.Client, change: dict[str, Any], field: str, rule: str
) -> None:
    body = {"worker_id": "w", "providers": ["p"], "wait_seconds": 0, **change}
    response = http.post("/workers/lease", json=body)
    assert response.status_code == 422, response.text
    assert f"body.{field}: " in messages(response)
    assert rule in messages(response)


def test_a_whole_float_is_an_integer_as_json_schema_counts(http: httpx.Client) -> None:
    # The document declares max_events an integer, and 5.0 is one to JSON Schema.
    body = {"worker_id": "w", "providers": ["p"], "wait_seconds": 0, "max_events": 5.0}
    response = http.post("/workers/lease", json=body)
    assert response.status_code == 200, response.text


def test_a_tag_filter_means_that_tag(http: httpx.Client, provider_name: str) -> None:
    applied = http.post("/resources/apply", json={**good(provider_name), "tags": ["true"]})
    assert applied.status_code == 200
    listed = http.get("/resources/", params={"provider": provider_name, "tags": "true"})
    assert [document["tags"] for document in listed.json()] == [["true"]]
    assert http.get("/resources/", params={"provider": provider_name, "tags": "false"}).json() == []


@pytest.mark.parametrize(
    ("path", "params", "field", "rule"),
    [
        ("/resources/", {"tags": ""}, "tags.0", "non-empty"),
        ("/resources/", {"tags": "x" * 256}, "tags.0", "at most 255"),
        ("/resources/", {"tags": [f"t{i}" for i in range(65)]}, "tags", "at most 64"),
        ("/resources/", {"provider": "Upper"}, "provider", "start with a lowercase letter"),
        ("/resources/", {"resource": "a//b"}, "resource", "segments"),
        ("/resources/types", {"provider": ""}, "provider", "start with a lowercase letter"),
        ("/resources/watch", {"name": "-lead"}, "name", "lowercase DNS label"),
        ("/ops/dead-letter", {"provider": "9x"}, "provider", "start with a lowercase letter"),
    ],
)
def test_filters_follow_the_name_and_tag_rules(
    http: httpx.Client, path: str, params: dict[str, Any], field: str, rule: str
) -> None:
    response = http.get(path, params=params)
    assert response.status_code == 422, response.text
    assert f"query.{field}: " in messages(response)
    assert rule in messages(response)


@pytest.mark.parametrize(
    "last_event_id",
    [b"9" * 5000, b"9223372036854775808", b"-1", b"abc", b"", "١٢".encode()],
)
def test_last_event_ids_out_of_range_are_422(http: httpx.Client, last_event_id: bytes) -> None:
    response = http.get("/resources/watch", headers={"Last-Event-ID": last_event_id})
    assert response.status_code == 422
    assert response.json()["detail"] == {
        "message": "Last-Event-ID: must be the id of an event from this stream: "
        "a whole number from 0 to 9223372036854775807",
        "field": "Last-Event-ID",
    }


def test_a_last_event_id_beyond_the_feed_starts_over(http: httpx.Client, provider_name: str) -> None:
    http.post("/resources/apply", json={**good(provider_name), "lifecycle_state": "draft"})
    headers = {"Last-Event-ID": str(2**63 - 1)}
    params = {"provider": provider_name}
    with http.stream("GET", "/resources/watch", params=params, headers=headers, timeout=10) as stream:
        assert stream.status_code == 200
        lines = []
        for line in stream.iter_lines():
            if line == ": watching":
                break
            lines.append(line)
    assert lines[1] == "event: resource"
    assert f'"provider":"{provider_name}"' in lines[2]
    assert int(lines[0].removeprefix("id: ")) < 2**63 - 1
