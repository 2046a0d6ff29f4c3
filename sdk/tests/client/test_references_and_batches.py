"""References in typed and untyped configs, applying several resources at once, and deleting
what is not there: the SDK against a real server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pragma_sdk import (
    AsyncPragmaClient,
    Config,
    Dependency,
    FieldReference,
    NotFoundError,
    Outputs,
    PragmaClient,
    Resource,
)

from .models import typed_resource


class ModelConfig(Config):
    """The guide's ``ModelConfig``: ``api_key`` is typed for the value a reference stands for."""

    model_id: str
    api_key: str


class ModelOutputs(Outputs):
    model_name: str


class AgentConfig(Config):
    model: Dependency[Any]
    instructions: str


def model_class(provider: str) -> type[Resource[ModelConfig, ModelOutputs]]:
    return typed_resource(ModelConfig, ModelOutputs, provider, "anthropic-model")


def secret_reference(provider: str) -> FieldReference:
    return FieldReference(provider=provider, resource="secret", name="anthropic-key", field="outputs.api_key")


def test_typed_listing_keeps_a_reference_in_a_field_typed_for_its_value(
    client: PragmaClient, provider_name: str
) -> None:
    model = model_class(provider_name)
    reference = secret_reference(provider_name)
    client.apply_resource(
        {
            "provider": provider_name,
            "resource": "anthropic-model",
            "name": "claude",
            "config": {"model_id": "claude-sonnet-4-5", "api_key": reference.model_dump()},
        }
    )
    listed = client.list_resources(provider=provider_name, model=model)
    fetched = client.get_resource(provider_name, "anthropic-model", "claude", model=model)
    assert isinstance(fetched, model)
    assert listed == [fetched]
    assert fetched.config.api_key == reference
    assert fetched.config.model_id == "claude-sonnet-4-5"
    # Applied back, it sends the reference it holds.
    again = client.apply_resource(fetched)
    assert isinstance(again, dict)
    assert again["config"]["api_key"] == reference.model_dump()
    assert again["generation"] == 1


def test_a_value_that_is_no_reference_still_fails_typed_parsing(
    client: PragmaClient, provider_name: str
) -> None:
    client.apply_resource(
        {"provider": provider_name, "resource": "anthropic-model", "name": "bad", "config": {"model_id": 5}}
    )
    with pytest.raises(ValueError, match="model_id"):
        client.get_resource(provider_name, "anthropic-model", "bad", model=model_class(provider_name))


def test_reference_objects_inside_an_apply_dict_are_sent_as_json(
    client: PragmaClient, provider_name: str
) -> None:
    reference = secret_reference(provider_name)
    dependency = Dependency(provider=provider_name, resource="anthropic-model", name="claude")
    applied = client.apply_resource(
        {
            "provider": provider_name,
            "resource": "agent",
            "name": "helper",
            "config": {"model": dependency, "key": reference, "instructions": "help"},
        }
    )
    assert isinstance(applied, dict)
    assert applied["config"] == {
        "model": {
            "__dependency__": True,
            "provider": provider_name,
            "resource": "anthropic-model",
            "name": "claude",
        },
        "key": reference.model_dump(),
        "instructions": "help",
    }


def test_apply_resources_refuses_a_cycle_whole(client: PragmaClient, provider_name: str) -> None:
    def item(name: str, other: str) -> dict[str, Any]:
        target = FieldReference(provider=provider_name, resource="item", name=other, field="outputs.value")
        return {"provider": provider_name, "resource": "item", "name": name, "config": {"value": target}}

    with pytest.raises(httpx.HTTPStatusError) as raised:
        client.apply_resources([item("a", "b"), item("b", "a")])
    assert raised.value.response.status_code == 422
    assert "documents[1].dependencies" in str(raised.value)
    assert raised.value.response.json()["detail"]["errors"][0]["index"] == 1
    assert client.list_resources(provider=provider_name) == []


def test_apply_resources_stores_them_all_typed(client: PragmaClient, provider_name: str) -> None:
    model = model_class(provider_name)
    first = model(name="one", config=ModelConfig(model_id="m1", api_key="k"))
    applied = client.apply_resources(
        [
            first,
            {
                "provider": provider_name,
                "resource": "anthropic-model",
                "name": "two",
                "config": {"model_id": "m2", "api_key": "k"},
            },
        ],
        model=model,
    )
    assert [(item.name, item.config.model_id) for item in applied] == [("one", "m1"), ("two", "m2")]
    assert all(isinstance(item, model) for item in applied)
    assert len(client.list_resources(provider=provider_name)) == 2


async def test_async_apply_resources_is_all_or_nothing(
    async_client: AsyncPragmaClient, provider_name: str
) -> None:
    good = {"provider": provider_name, "resource": "item", "name": "good"}
    clash = {"provider": provider_name, "resource": "item", "name": "good", "config": {"again": True}}
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await async_client.apply_resources([good, clash])
    assert "documents[1].name" in str(raised.value)
    assert await async_client.list_resources(provider=provider_name) == []
    [stored] = await async_client.apply_resources([good])
    assert isinstance(stored, dict)
    assert stored["name"] == "good"


def test_deleting_a_missing_resource_raises_not_found(client: PragmaClient, provider_name: str) -> None:
    with pytest.raises(NotFoundError) as raised:
        client.delete_resource(provider_name, "item", "nowhere")
    assert isinstance(raised.value, httpx.HTTPStatusError)
    assert raised.value.response.status_code == 404
    assert "not found" in str(raised.value)
    client.apply_resource({"provider": provider_name, "resource": "item", "name": "here"})
    client.delete_resource(provider_name, "item", "here")  # never provisioned: gone at once
    with pytest.raises(NotFoundError):
        client.delete_resource(provider_name, "item", "here")


async def test_async_delete_of_a_missing_resource_raises_not_found(
    async_client: AsyncPragmaClient, provider_name: str
) -> None:
    with pytest.raises(NotFoundError):
        await async_client.delete_resource(provider_name, "item", "nowhere")
    with pytest.raises(NotFoundError):
        await async_client.get_resource(provider_name, "item", "nowhere")
