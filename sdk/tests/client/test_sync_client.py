"""The guide's PragmaClient examples, run against a real server."""

from __future__ import annotations

import httpx
import pytest

from pragma_sdk import LifecycleState, PragmaClient, UserInfo
from testing.fixtures.server import RunningServer, free_port

from .models import BucketConfig, bucket_model


def test_health_check(client: PragmaClient) -> None:
    assert client.is_healthy() is True
    with PragmaClient(base_url=f"http://127.0.0.1:{free_port()}", auth_token=None) as nowhere:
        assert nowhere.is_healthy() is False


def test_get_me(client: PragmaClient) -> None:
    user = client.get_me()
    assert isinstance(user, UserInfo)
    assert user.email == "admin@localhost"
    assert user.organization_name == "default"


def test_get_me_without_auth_is_401(server: RunningServer) -> None:
    with (
        PragmaClient(base_url=server.url, auth_token=None) as anonymous,
        pytest.raises(httpx.HTTPStatusError) as raised,
    ):
        anonymous.get_me()
    assert raised.value.response.status_code == 401
    assert "pragma auth login" in str(raised.value)


def test_discovery_from_environment(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRAGMA_API_URL", server.url)
    monkeypatch.setenv("PRAGMA_AUTH_TOKEN", server.token)
    with PragmaClient() as client:
        assert client.get_me().organization_name == "default"
    monkeypatch.delenv("PRAGMA_AUTH_TOKEN")
    monkeypatch.setenv("PRAGMA_CONTEXT", "production")
    monkeypatch.setenv("PRAGMA_AUTH_TOKEN_PRODUCTION", server.token)
    with PragmaClient(require_auth=True) as client:
        assert client.get_me().email == "admin@localhost"


def test_resource_operations(client: PragmaClient, provider_name: str) -> None:
    result = client.apply_resource(
        {
            "provider": provider_name,
            "resource": "storage",
            "name": "my-bucket",
            "config": {"location": "EU", "storage_class": "STANDARD"},
            "tags": ["env:production"],
        }
    )
    assert isinstance(result, dict)
    assert result["lifecycle_state"] == LifecycleState.PENDING
    client.apply_resource(
        {"provider": provider_name, "resource": "warehouse", "name": "wh", "config": {"location": "EU"}}
    )
    assert len(client.list_resources(provider=provider_name)) == 2
    warehouses = client.list_resources(provider=provider_name, resource="warehouse")
    assert [item["name"] for item in warehouses] == ["wh"]
    production = client.list_resources(provider=provider_name, tags=["env:production"])
    assert [item["name"] for item in production] == ["my-bucket"]

    bucket = client.get_resource(provider_name, "storage", "my-bucket")
    assert isinstance(bucket, dict)
    match bucket["lifecycle_state"]:
        case LifecycleState.PENDING:
            pass
        case _:
            pytest.fail(f"unexpected state {bucket['lifecycle_state']}")

    client.delete_resource(provider_name, "storage", "my-bucket")
    with pytest.raises(httpx.HTTPStatusError) as raised:
        client.get_resource(provider_name, "storage", "my-bucket")
    assert raised.value.response.status_code == 404
    assert "not found" in str(raised.value)


def test_list_resource_types(client: PragmaClient, provider_name: str) -> None:
    types = client.list_resource_types()
    assert isinstance(types, list)
    for rt in types:
        assert {"provider", "resource", "schema", "description"} <= set(rt)
    assert client.list_resource_types(provider=provider_name) == []


def test_typed_responses(client: PragmaClient, provider_name: str) -> None:
    bucket_class = bucket_model(provider_name)
    new_bucket = bucket_class(name="new-bucket", config=BucketConfig(location="US"), tags=["env:production"])
    result = client.apply_resource(new_bucket, model=bucket_class)
    assert isinstance(result, bucket_class)
    assert result.config.location == "US"
    assert result.config.storage_class == "STANDARD"
    assert result.outputs is None
    assert result.lifecycle_state is LifecycleState.PENDING

    fetched = client.get_resource(provider_name, "storage", "new-bucket", model=bucket_class)
    assert isinstance(fetched, bucket_class)
    assert fetched.tags == ["env:production"]
    buckets = client.list_resources(provider=provider_name, resource="storage", model=bucket_class)
    assert [f"{b.name}: {b.config.location}" for b in buckets] == ["new-bucket: US"]


def test_typed_apply_sends_lifecycle_state_only_when_set(client: PragmaClient, provider_name: str) -> None:
    bucket_class = bucket_model(provider_name)
    draft = bucket_class(
        name="drafted", config=BucketConfig(location="EU"), lifecycle_state=LifecycleState.DRAFT
    )
    assert "lifecycle_state" in draft.to_apply_body()
    assert client.apply_resource(draft, model=bucket_class).lifecycle_state is LifecycleState.DRAFT
    plain = bucket_class(name="drafted", config=BucketConfig(location="EU"))
    assert "lifecycle_state" not in plain.to_apply_body()
    assert client.apply_resource(plain, model=bucket_class).lifecycle_state is LifecycleState.PENDING


def test_list_follows_cursors_past_one_page(client: PragmaClient, provider_name: str) -> None:
    from pragma_sdk.client import _calls

    original = _calls.LIST_PAGE_SIZE
    _calls.LIST_PAGE_SIZE = 7
    try:
        for index in range(20):
            client.apply_resource({"provider": provider_name, "resource": "item", "name": f"i{index:02d}"})
        names = [item["name"] for item in client.list_resources(provider=provider_name)]
    finally:
        _calls.LIST_PAGE_SIZE = original
    assert names == [f"i{index:02d}" for index in range(20)]


def test_validation_errors_carry_the_servers_message(client: PragmaClient, provider_name: str) -> None:
    with pytest.raises(httpx.HTTPStatusError) as raised:
        client.apply_resource({"provider": provider_name, "resource": "storage", "name": "Bad_Name"})
    assert raised.value.response.status_code == 422
    assert "name:" in str(raised.value)
    assert "lowercase DNS label" in str(raised.value)


def test_manual_close(server: RunningServer) -> None:
    client = server.client()
    try:
        assert client.list_resources(provider="nothing-here") == []
    finally:
        client.close()


def test_list_by_state_and_name_and_the_resource_graph(client: PragmaClient, provider_name: str) -> None:
    base = {"provider": provider_name, "resource": "storage"}
    client.apply_resource({**base, "name": "logs-eu", "config": {}})
    client.apply_resource({**base, "name": "logs-us", "config": {}, "lifecycle_state": "draft"})
    client.apply_resource(
        {**base, "name": "reader", "config": {}, "dependencies": [{**base, "name": "logs-eu"}]}
    )

    drafts = client.list_resources(provider=provider_name, state=LifecycleState.DRAFT)
    assert [document["name"] for document in drafts] == ["logs-us"]
    logs = client.list_resources(provider=provider_name, name_contains="LOGS")
    assert [document["name"] for document in logs] == ["logs-eu", "logs-us"]

    graph = client.get_resource_graph(provider_name, "storage", "logs-eu", depth=2)
    assert {node.name for node in graph.nodes} == {"logs-eu", "reader"}
    assert [(edge.from_, edge.kind) for edge in graph.edges] == [
        (f"resource:{provider_name}_storage_reader", "dependency")
    ]
    with pytest.raises(httpx.HTTPStatusError) as missing:
        client.get_resource_graph(provider_name, "storage", "nothing")
    assert missing.value.response.status_code == 404
