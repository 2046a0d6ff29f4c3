"""``Dependency[T]`` outside handlers: wire forms, resolution errors, equality and JSON schema."""

from __future__ import annotations

import pytest

from pragma_sdk import Config, Dependency, DependencyNotResolvedError, Outputs, Provider, Resource

shop = Provider(name="shop")


class StoreConfig(Config):
    region: str


class StoreOutputs(Outputs):
    endpoint: str


@shop.resource("store")
class Store(Resource[StoreConfig, StoreOutputs]):
    pass


class CartConfig(Config):
    store: Dependency[Store]


def test_wire_forms() -> None:
    for key in ("__dependency__", "dependency_marker"):
        config = CartConfig.model_validate(
            {"store": {key: True, "provider": "shop", "resource": "store", "name": "s"}}
        )
        assert config.store.id == "resource:shop_store_s"
        assert config.model_dump(mode="json")["store"] == {
            "__dependency__": True,
            "provider": "shop",
            "resource": "store",
            "name": "s",
        }
    with pytest.raises(ValueError, match="Input should be True"):
        CartConfig.model_validate(
            {"store": {"__dependency__": False, "provider": "shop", "resource": "store", "name": "s"}}
        )


async def test_unresolved_dependency() -> None:
    dependency = Dependency[Store](provider="shop", resource="store", name="s")
    assert not dependency.is_resolved
    with pytest.raises(
        DependencyNotResolvedError, match="dependency on resource:shop_store_s is not resolved"
    ):
        await dependency.resolve()
    with pytest.raises(DependencyNotResolvedError):
        _ = dependency.outputs
    with pytest.raises(RuntimeError):
        _ = dependency.config


async def test_of_and_bind() -> None:
    store = Store(name="s", config=StoreConfig(region="eu"), outputs=StoreOutputs(endpoint="https://s"))
    dependency = Dependency.of(store)
    assert type(dependency) is Dependency[Store]
    assert dependency.is_resolved
    assert await dependency.resolve() is store
    assert dependency.outputs.endpoint == "https://s"
    assert dependency.config.region == "eu"
    assert dependency == Dependency[Store](provider="shop", resource="store", name="s")
    assert CartConfig(store=dependency).store is dependency
    with pytest.raises(ValueError, match="cannot be resolved to resource:shop_store_t"):
        dependency.bind(Store(name="t", config=StoreConfig(region="eu")))


def test_json_schema() -> None:
    schema = CartConfig.model_json_schema(mode="validation")
    reference = schema["properties"]["store"]["$ref"].rsplit("/", 1)[-1]
    definition = schema["$defs"][reference]
    assert definition["required"] == ["__dependency__", "provider", "resource", "name"]
    assert definition["properties"]["__dependency__"]["const"] is True
    assert definition["properties"]["provider"]["const"] == "shop"
    assert definition["properties"]["resource"]["const"] == "store"
    assert definition["description"] == "A dependency on a shop/store resource."
    assert "_resolved" not in definition["properties"]
    assert CartConfig.model_json_schema(mode="serialization")["$defs"]
