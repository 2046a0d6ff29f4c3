"""The guide's AsyncPragmaClient examples, run against a real server."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pragma_sdk import AsyncPragmaClient, LifecycleState
from testing.fixtures.server import RunningServer

from .models import BucketConfig, bucket_model


async def test_async_resource_operations(async_client: AsyncPragmaClient, provider_name: str) -> None:
    assert await async_client.is_healthy()
    assert (await async_client.get_me()).organization_name == "default"
    result = await async_client.apply_resource(
        {"provider": provider_name, "resource": "storage", "name": "new-bucket", "config": {"location": "EU"}}
    )
    assert isinstance(result, dict)
    assert result["lifecycle_state"] == "pending"
    bucket = await async_client.get_resource(provider_name, "storage", "new-bucket")
    assert isinstance(bucket, dict)
    assert bucket["config"] == {"location": "EU"}
    resources = await async_client.list_resources(provider=provider_name)
    assert [item["name"] for item in resources] == ["new-bucket"]
    await async_client.delete_resource(provider_name, "storage", "new-bucket")
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await async_client.get_resource(provider_name, "storage", "new-bucket")
    assert raised.value.response.status_code == 404


async def test_concurrent_operations(async_client: AsyncPragmaClient, provider_name: str) -> None:
    providers = [f"{provider_name}-{suffix}" for suffix in ("gcp", "aws", "azure")]
    await asyncio.gather(
        *(
            async_client.apply_resource({"provider": provider, "resource": "storage", "name": f"b{index}"})
            for provider in providers
            for index in range(5)
        )
    )
    gcp, aws, azure = await asyncio.gather(*(async_client.list_resources(provider=p) for p in providers))
    assert len(gcp + aws + azure) == 15


async def test_async_typed_responses(async_client: AsyncPragmaClient, provider_name: str) -> None:
    bucket_class = bucket_model(provider_name)
    applied = await async_client.apply_resource(
        bucket_class(name="typed", config=BucketConfig(location="US")), model=bucket_class
    )
    assert isinstance(applied, bucket_class)
    assert applied.lifecycle_state is LifecycleState.PENDING
    listed = await async_client.list_resources(provider=provider_name, model=bucket_class)
    assert [item.config.location for item in listed] == ["US"]


async def test_async_manual_close(server: RunningServer) -> None:
    client = server.async_client()
    try:
        assert await client.list_resource_types(provider="nothing-here") == []
    finally:
        await client.close()


async def test_async_list_by_state_and_the_provider_graph(
    async_client: AsyncPragmaClient, provider_name: str
) -> None:
    base = {"provider": provider_name, "resource": "storage"}
    await async_client.apply_resource({**base, "name": "one", "config": {}, "lifecycle_state": "draft"})
    await async_client.apply_resource({**base, "name": "two", "config": {}, "owner_references": [
        {**base, "name": "one"}
    ]})  # fmt: skip
    pending = await async_client.list_resources(provider=provider_name, state="pending", name_contains="tw")
    assert [document["name"] for document in pending] == ["two"]
    graph = await async_client.get_graph(provider_name)
    assert [(edge.kind, edge.to) for edge in graph.edges] == [
        ("owner", f"resource:{provider_name}_storage_one")
    ]
