"""``handle_event`` through the harness: results, typed previous config, error classification."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

from pragma_sdk import (
    Config,
    Dependency,
    EventType,
    LifecycleState,
    Outputs,
    Provider,
    Resource,
    ResponseStatus,
)
from pragma_sdk.provider import LifecycleEvent, LifecycleResult, ProviderHarness, handle_event

acme = Provider(name="acme")
seen: dict[str, Any] = {}


class QueueConfig(Config):
    size: int
    mode: str = "ok"


class QueueOutputs(Outputs):
    url: str


@acme.resource("messaging/queue")
class Queue(Resource[QueueConfig, QueueOutputs]):
    """A message queue.

    Used by the handling tests.
    """

    async def on_create(self) -> QueueOutputs:
        seen["state"] = self.lifecycle_state
        seen["tags"] = self.tags
        match self.config.mode:
            case "value":
                raise ValueError("size too large")
            case "runtime":
                raise RuntimeError("quota exceeded")
            case "dict":
                return {"url": "q://dict"}  # type: ignore[return-value]
            case "bad-dict":
                return {"uri": "q://dict"}  # type: ignore[return-value]
            case "none":
                return None  # type: ignore[return-value]
            case "other":
                return ParentOutputs(url="q://other")  # type: ignore[return-value]
            case "validation":
                QueueConfig.model_validate({"size": "many"})
            case "cancel":
                raise asyncio.CancelledError
        return QueueOutputs(url=f"q://{self.name}/{self.config.size}")

    async def on_update(self, previous_config: QueueConfig) -> QueueOutputs:
        seen["previous"] = previous_config
        seen["outputs"] = self.outputs
        return QueueOutputs(url=f"q://{self.name}/{previous_config.size}->{self.config.size}")

    async def on_delete(self) -> None:
        seen["deleted_outputs"] = self.outputs


class Inner(BaseModel):
    queues: list[Dependency[Queue]]
    by_role: dict[str, Dependency[Queue]] = {}


class ParentConfig(Config):
    inner: Inner
    optional: Dependency[Queue] | None = None


class ParentOutputs(Outputs):
    url: str


@acme.resource("parent")
class Parent(Resource[ParentConfig, ParentOutputs]):
    async def on_create(self) -> ParentOutputs:
        resolved = [await dependency.resolve() for dependency in self.config.inner.queues]
        roles = {role: dep.outputs.url for role, dep in self.config.inner.by_role.items()}
        assert all(isinstance(queue, Queue) for queue in resolved)
        seen["roles"] = roles
        if self.config.optional is not None:
            await self.config.optional.resolve()
        return ParentOutputs(url=",".join(queue.outputs.url for queue in resolved if queue.outputs))


@acme.resource("bare")
class Bare(Resource[QueueConfig, QueueOutputs]):
    pass


def queue(name: str, size: int = 1) -> Queue:
    return Queue(name=name, config=QueueConfig(size=size), outputs=QueueOutputs(url=f"q://{name}"))


def marker(name: str, key: str = "__dependency__") -> dict[str, Any]:
    return {key: True, "provider": "acme", "resource": "messaging/queue", "name": name}


@pytest.fixture
def harness() -> ProviderHarness:
    seen.clear()
    return ProviderHarness(acme)


async def test_create_builds_the_resource(harness: ProviderHarness) -> None:
    result = await harness.invoke_create(Queue, "jobs", {"size": 3}, tags=["team:a"])
    assert result.status is ResponseStatus.SUCCESS
    assert result.outputs == {"url": "q://jobs/3"}
    assert result.error is None
    assert not result.permanent
    assert seen == {"state": LifecycleState.PROCESSING, "tags": ["team:a"]}
    assert harness.events[0].resource == "messaging/queue"


async def test_update_gets_typed_previous_config_and_last_outputs(harness: ProviderHarness) -> None:
    result = await harness.invoke_update(
        Queue, "jobs", QueueConfig(size=5), {"size": 3}, outputs=QueueOutputs(url="q://jobs/3")
    )
    assert result.success
    assert result.outputs == {"url": "q://jobs/3->5"}
    assert seen["previous"] == QueueConfig(size=3)
    assert seen["outputs"] == QueueOutputs(url="q://jobs/3")


async def test_update_with_a_previous_config_that_no_longer_validates(harness: ProviderHarness) -> None:
    result = await harness.invoke_update(Queue, "jobs", {"size": 5}, {"size": 3, "retired": True})
    assert result.success, result.error
    assert isinstance(seen["previous"], QueueConfig)
    assert seen["previous"].size == 3


async def test_update_without_previous_config_is_rejected(harness: ProviderHarness) -> None:
    event = LifecycleEvent(
        event_id="evt_1", event_type=EventType.UPDATE, provider="acme", resource="messaging/queue",
        name="jobs", config={"size": 1},
    )  # fmt: skip
    result = await harness.invoke(event)
    assert result.failed
    assert result.permanent
    assert "previous_config" in (result.error or "")


async def test_delete(harness: ProviderHarness) -> None:
    result = await harness.invoke_delete(Queue, "jobs", {"size": 3}, outputs={"url": "q://jobs/3"})
    assert result.success
    assert result.outputs is None
    assert seen["deleted_outputs"] == QueueOutputs(url="q://jobs/3")


async def test_default_handlers(harness: ProviderHarness) -> None:
    created = await harness.invoke_create(Bare, "b", {"size": 1})
    assert created.failed
    assert created.permanent
    assert created.error == "NotImplementedError: Bare does not implement on_create"
    updated = await harness.invoke_update(Bare, "b", {"size": 1}, {"size": 1})
    assert updated.failed
    assert updated.permanent
    assert (await harness.invoke_delete(Bare, "b", {"size": 1})).success
    bare = Bare(name="b", config=QueueConfig(size=1))
    assert (await bare.health()).status == "healthy"
    assert await bare.logs(None, 10) == []


@pytest.mark.parametrize(
    ("mode", "permanent", "error"),
    [
        ("value", True, "ValueError: size too large"),
        ("runtime", False, "RuntimeError: quota exceeded"),
        ("validation", True, "ValidationError: size: Input should be a valid integer"),
        ("none", True, "returned NoneType; expected QueueOutputs"),
        ("other", True, "returned ParentOutputs; expected QueueOutputs"),
        ("bad-dict", True, "returned invalid outputs: url: Field required"),
    ],
)
async def test_failures(harness: ProviderHarness, mode: str, permanent: bool, error: str) -> None:
    result = await harness.invoke_create(Queue, "jobs", {"size": 1, "mode": mode})
    assert result.failed
    assert not result.success
    assert result.status is ResponseStatus.FAILURE
    assert result.permanent is permanent
    assert error in (result.error or "")
    assert result.outputs is None


async def test_dict_outputs_are_validated(harness: ProviderHarness) -> None:
    result = await harness.invoke_create(Queue, "jobs", {"size": 1, "mode": "dict"})
    assert result.success
    assert result.outputs == {"url": "q://dict"}


async def test_invalid_config_is_permanent_and_names_the_field(harness: ProviderHarness) -> None:
    result = await harness.invoke_create(Queue, "jobs", {"size": "big"})
    assert result.failed
    assert result.permanent
    assert result.error is not None
    assert result.error.startswith("invalid config for acme/messaging/queue/jobs: size:")
    extra = await harness.invoke_create(Queue, "jobs", {"size": 1, "colour": "red"})
    assert extra.permanent
    assert "colour: Extra inputs are not permitted" in (extra.error or "")


async def test_unknown_type_and_wrong_provider(harness: ProviderHarness) -> None:
    base = {"event_id": "evt_x", "event_type": "CREATE", "name": "n", "config": {}}
    unknown = await handle_event(
        acme, LifecycleEvent.model_validate({**base, "provider": "acme", "resource": "nope"})
    )
    assert unknown.failed
    assert unknown.permanent
    assert (
        unknown.error == "provider 'acme' has no resource type 'nope' (known: bare, messaging/queue, parent)"
    )
    other = await acme.handle(
        LifecycleEvent.model_validate({**base, "provider": "other", "resource": "bare"})
    )
    assert other.failed
    assert other.permanent
    assert "'other'" in (other.error or "")


async def test_cancellation_propagates(harness: ProviderHarness) -> None:
    with pytest.raises(asyncio.CancelledError):
        await harness.invoke_create(Queue, "jobs", {"size": 1, "mode": "cancel"})


async def test_nested_dependencies_are_resolved(harness: ProviderHarness) -> None:
    config = {
        "inner": {
            "queues": [marker("a"), marker("b", key="dependency_marker")],
            "by_role": {"dead-letter": marker("c")},
        }
    }
    result = await harness.invoke_create(
        Parent, "p", config, dependencies={"any": queue("a"), "key": queue("b"), "c": queue("c")}
    )
    assert result.success, result.error
    assert result.outputs == {"url": "q://a,q://b"}
    assert seen["roles"] == {"dead-letter": "q://c"}
    assert set(harness.events[0].resolved_dependencies) == {
        "resource:acme_messaging_queue_a",
        "resource:acme_messaging_queue_b",
        "resource:acme_messaging_queue_c",
    }


async def test_missing_dependency_document_fails_clearly(harness: ProviderHarness) -> None:
    config = {"inner": {"queues": []}, "optional": marker("gone")}
    result = await harness.invoke_create(Parent, "p", config)
    assert result.failed
    assert not result.permanent
    assert (result.error or "").startswith(
        "DependencyNotResolvedError: dependency on resource:acme_messaging_queue_gone is not resolved"
    )


async def test_dependency_document_that_does_not_fit_is_permanent(harness: ProviderHarness) -> None:
    document = {"provider": "acme", "resource": "messaging/queue", "name": "a", "config": {"size": "x"}}
    result = await harness.invoke_create(
        Parent, "p", {"inner": {"queues": [marker("a")]}}, dependencies=[document]
    )
    assert result.failed
    assert result.permanent
    assert "dependency resource:acme_messaging_queue_a does not fit Queue: config.size" in (
        result.error or ""
    )


async def test_dependency_of_is_picked_up_by_the_harness(harness: ProviderHarness) -> None:
    config = ParentConfig(inner=Inner(queues=[Dependency.of(queue("a", size=7))]))
    result = await harness.invoke_create(Parent, "p", config)
    assert result.success, result.error
    assert harness.events[0].config["inner"]["queues"] == [marker("a")]


async def test_harness_refuses_unregistered_classes(harness: ProviderHarness) -> None:
    class Stranger(Resource[QueueConfig, QueueOutputs]):
        provider = "acme"
        resource = "stranger"

    with pytest.raises(ValueError, match="Stranger is not a resource type of provider 'acme'"):
        await harness.invoke_create(Stranger, "s", {"size": 1})


def test_result_model() -> None:
    result = LifecycleResult(event_id="evt_1", status="failure", error="boom")
    assert result.failed
    assert not result.success
    assert not result.permanent
    assert LifecycleResult.model_validate({"event_id": "e", "status": "success", "outputs": {}}).success
