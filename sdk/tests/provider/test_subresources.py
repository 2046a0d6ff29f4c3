"""``Resource.apply()`` and ``wait_ready()`` inside handlers, served by the harness's runtime."""

from __future__ import annotations

import pytest

from pragma_sdk import (
    Config,
    LifecycleState,
    NoRuntimeContextError,
    Outputs,
    OwnerReference,
    Provider,
    Resource,
    ResourceFailedError,
)
from pragma_sdk.provider import LifecycleEvent, ProviderHarness, current_scope, handle_event

cluster = Provider(name="cluster")


class NodeConfig(Config):
    zone: str


class NodeOutputs(Outputs):
    address: str


@cluster.resource("node")
class Node(Resource[NodeConfig, NodeOutputs]):
    """A subresource only: the harness's runtime makes it ready itself, so no handler of it runs."""


class PoolConfig(Config):
    zones: list[str]
    timeout: float = 1.0


class PoolOutputs(Outputs):
    addresses: list[str]
    failures: list[str] = []


@cluster.resource("pool")
class Pool(Resource[PoolConfig, PoolOutputs]):
    async def on_create(self) -> PoolOutputs:
        addresses: list[str] = []
        failures: list[str] = []
        for zone in self.config.zones:
            node = Node(name=f"{self.name}-{zone}", config=NodeConfig(zone=zone))
            applied = await node.apply()
            assert applied is node
            assert node.lifecycle_state is LifecycleState.PENDING
            try:
                await node.wait_ready(timeout=self.config.timeout)
            except ResourceFailedError as exc:
                failures.append(f"{exc.resource_id}: {exc.error}")
                continue
            assert node.lifecycle_state is LifecycleState.READY
            addresses.append(node.outputs.address if node.outputs else "none")
        return PoolOutputs(addresses=addresses, failures=failures)


@pytest.fixture
def harness() -> ProviderHarness:
    return ProviderHarness(cluster)


async def test_subresources_apply_and_become_ready(harness: ProviderHarness) -> None:
    harness.set_outputs("resource:cluster_node_p-a", {"address": "10.0.0.7"})
    harness.set_outputs(Node(name="p-b", config=NodeConfig(zone="b")), NodeOutputs(address="10.0.0.8"))
    result = await harness.invoke_create(Pool, "p", {"zones": ["a", "b", "c"]})
    assert result.success, result.error
    assert result.outputs == {"addresses": ["10.0.0.7", "10.0.0.8", "none"], "failures": []}
    assert [node.name for node in harness.applied] == ["p-a", "p-b", "p-c"]
    owner = OwnerReference(provider="cluster", resource="pool", name="p")
    assert all(node.owner_references == [owner] for node in harness.applied)
    assert harness.applied[0].to_apply_body()["owner_references"] == [
        {"provider": "cluster", "resource": "pool", "name": "p"}
    ]
    harness.clear()
    assert harness.applied == []


async def test_failed_subresource_raises_resource_failed(harness: ProviderHarness) -> None:
    harness.fail("resource:cluster_node_p-b", "zone b is full")
    result = await harness.invoke_create(Pool, "p", {"zones": ["a", "b"]})
    assert result.success, result.error
    assert result.outputs is not None
    assert result.outputs["failures"] == ["resource:cluster_node_p-b: zone b is full"]


async def test_unhandled_failure_is_retryable() -> None:
    class Strict(Resource[PoolConfig, PoolOutputs]):
        async def on_create(self) -> PoolOutputs:
            node = await Node(name="p-a", config=NodeConfig(zone="a")).apply()
            await node.wait_ready()
            return PoolOutputs(addresses=[])

    strict = Provider(name="cluster")
    strict.resource("pool")(Strict)
    harness = ProviderHarness(strict)
    harness.fail("resource:cluster_node_p-a", "broken")
    result = await harness.invoke_create(Strict, "p", {"zones": []})
    assert result.failed
    assert not result.permanent
    assert result.error == "ResourceFailedError: resource:cluster_node_p-a failed: broken"


async def test_held_subresource_times_out(harness: ProviderHarness) -> None:
    harness.hold("resource:cluster_node_p-a")
    result = await harness.invoke_create(Pool, "p", {"zones": ["a"], "timeout": 0.01})
    assert result.failed
    assert not result.permanent
    assert result.error == "TimeoutError: resource:cluster_node_p-a was not ready within 0.01 seconds"


async def test_outside_a_handler() -> None:
    node = Node(name="n", config=NodeConfig(zone="a"))
    with pytest.raises(
        NoRuntimeContextError, match=r"Resource.apply\(\) works only inside a lifecycle handler"
    ):
        await node.apply()
    with pytest.raises(RuntimeError, match="wait_ready"):
        await node.wait_ready(timeout=0.01)
    with pytest.raises(NoRuntimeContextError):
        current_scope()


async def test_handle_event_without_runtime() -> None:
    event = LifecycleEvent(
        event_id="evt_1",
        event_type="CREATE",
        provider="cluster",
        resource="pool",
        name="p",
        config={"zones": ["a"]},
    )
    result = await handle_event(cluster, event)
    assert result.failed
    assert result.error == (
        "NoRuntimeContextError: Resource.apply() needs a runtime context, and none was given to "
        "handle_event() for event evt_1"
    )


def test_set_owner_with_an_explicit_owner_and_outside_a_handler() -> None:
    from pragma_sdk import NoRuntimeContextError, OwnerReference

    owner = Pool(name="pool", config=PoolConfig(zones=["a"]))
    child = Node(name="node", config=NodeConfig(zone="a"))
    assert child.set_owner(owner) is child
    child.set_owner(owner)  # once only
    assert [reference.name for reference in child.owner_references] == [owner.name]
    child.set_owner(OwnerReference(provider="other", resource="thing", name="x"))
    assert [reference.provider for reference in child.owner_references] == [type(owner).provider, "other"]
    with pytest.raises(NoRuntimeContextError):
        child.set_owner()
