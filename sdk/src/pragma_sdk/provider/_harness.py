"""``ProviderHarness``: run a provider's handlers locally, with no server.

It builds the ``LifecycleEvent``s the engine would send, runs them through ``handle_event``
and serves subresources from ``InMemoryRuntime``, which treats them as ready at once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from pragma_sdk.errors import ResourceFailedError
from pragma_sdk.models import EventType, LifecycleState
from pragma_sdk.provider._events import LifecycleEvent, LifecycleResult
from pragma_sdk.provider._handling import handle_event
from pragma_sdk.provider._registry import Provider
from pragma_sdk.provider._resolution import document_of, iter_dependencies
from pragma_sdk.resource import Config, Outputs, Resource, outputs_class_of

ResourceLike = Resource[Any, Any] | Mapping[str, Any]
"""A ready resource given to the harness: a ``Resource`` instance or a resource document."""


def _identity(resource: Resource[Any, Any] | str) -> str:
    return resource if isinstance(resource, str) else resource.id


class InMemoryRuntime:
    """A ``RuntimeContext`` keeping subresources in memory.

    A subresource is ready as soon as it is applied, with the outputs set by ``set_outputs``
    (or ``None``); ``fail`` and ``hold`` make ``wait_ready`` raise ``ResourceFailedError`` or
    wait out its timeout and raise ``TimeoutError``.

    Attributes:
        applied: Every subresource applied, in order, as applied (copies).
    """

    def __init__(self) -> None:
        """Start with no subresources and no configured outcomes."""
        self.applied: list[Resource[Any, Any]] = []
        self._stored: dict[str, Resource[Any, Any]] = {}
        self._outputs: dict[str, Outputs | Mapping[str, Any]] = {}
        self._failures: dict[str, str] = {}
        self._held: set[str] = set()

    def set_outputs(self, resource: Resource[Any, Any] | str, outputs: Outputs | Mapping[str, Any]) -> None:
        """Report ``outputs`` for ``resource`` (an instance or an id) when it becomes ready."""
        self._outputs[_identity(resource)] = outputs

    def fail(self, resource: Resource[Any, Any] | str, error: str) -> None:
        """Make ``resource`` end in ``failed``: ``wait_ready`` raises ``ResourceFailedError(error)``."""
        self._failures[_identity(resource)] = error

    def hold(self, resource: Resource[Any, Any] | str) -> None:
        """Keep ``resource`` from becoming ready: ``wait_ready`` raises ``TimeoutError`` after its timeout."""
        self._held.add(_identity(resource))

    def clear(self) -> None:
        """Forget the subresources applied; configured outcomes stay."""
        self.applied.clear()
        self._stored.clear()

    async def apply(self, resource: Resource[Any, Any]) -> Resource[Any, Any]:
        """Record ``resource`` and return it as stored, ``pending``."""
        stored = resource.model_copy(deep=True)
        stored.lifecycle_state = LifecycleState.PENDING
        self.applied.append(stored.model_copy(deep=True))
        self._stored[stored.id] = stored
        return stored.model_copy(deep=True)

    async def wait_ready(self, resource: Resource[Any, Any], timeout: float) -> Resource[Any, Any]:
        """Return ``resource`` ready with its configured outputs, or raise as configured.

        Raises:
            ResourceFailedError: ``fail()`` was called for it.
            TimeoutError: ``hold()`` was called for it; raised after ``timeout`` seconds.
            LookupError: It was never applied.
        """
        identifier = resource.id
        if identifier not in self._stored:
            raise LookupError(f"{identifier} was never applied in this harness")
        if identifier in self._failures:
            raise ResourceFailedError(identifier, self._failures[identifier])
        if identifier in self._held:
            await asyncio.sleep(timeout)
            raise TimeoutError(f"{identifier} was not ready within {timeout} seconds")
        ready = self._stored[identifier].model_copy(deep=True)
        ready.lifecycle_state = LifecycleState.READY
        outputs = self._outputs.get(identifier)
        outputs_class = outputs_class_of(type(resource))
        if isinstance(outputs, Mapping) and outputs_class is not None:
            ready.outputs = outputs_class.model_validate(outputs)
        elif outputs is not None:
            ready.outputs = outputs
        self._stored[identifier] = ready
        return ready.model_copy(deep=True)


class ProviderHarness:
    """Runs a provider's handlers locally, as the engine would, with no server.

    ::

        harness = ProviderHarness(mycloud)
        result = await harness.invoke_create(Database, "db", DatabaseConfig(name="db"))
        assert result.success

    Attributes:
        provider: The provider under test.
        events: Every event sent, in order.
        results: The result of each event, in order.
        runtime: The in-memory runtime serving subresources (see ``InMemoryRuntime``).
    """

    def __init__(self, provider: Provider) -> None:
        """Create a harness for ``provider``."""
        self.provider = provider
        self.events: list[LifecycleEvent] = []
        self.results: list[LifecycleResult] = []
        self.runtime = InMemoryRuntime()

    @property
    def applied(self) -> list[Resource[Any, Any]]:
        """Subresources applied by handlers, in order."""
        return self.runtime.applied

    def set_outputs(self, resource: Resource[Any, Any] | str, outputs: Outputs | Mapping[str, Any]) -> None:
        """Report ``outputs`` for a subresource (instance or id) when it becomes ready."""
        self.runtime.set_outputs(resource, outputs)

    def fail(self, resource: Resource[Any, Any] | str, error: str) -> None:
        """Make a subresource (instance or id) fail: its ``wait_ready`` raises ``ResourceFailedError``."""
        self.runtime.fail(resource, error)

    def hold(self, resource: Resource[Any, Any] | str) -> None:
        """Keep a subresource (instance or id) from becoming ready: ``wait_ready`` times out."""
        self.runtime.hold(resource)

    def clear(self) -> None:
        """Forget the events, results and subresources recorded so far."""
        self.events.clear()
        self.results.clear()
        self.runtime.clear()

    async def invoke_create(
        self,
        resource_class: type[Resource[Any, Any]],
        name: str,
        config: Config | Mapping[str, Any],
        *,
        tags: list[str] | None = None,
        dependencies: Iterable[ResourceLike] | Mapping[str, ResourceLike] | None = None,
    ) -> LifecycleResult:
        """Send a ``CREATE`` event and return its result.

        Args:
            resource_class: A type registered with the harness's provider.
            name: Name of the resource.
            config: Its config, as a Config instance or a dict.
            tags: Its tags.
            dependencies: The ready resources its ``Dependency`` fields name, as ``Resource``
                instances or documents (a list, or a mapping whose keys are ignored). Dependencies
                built with ``Dependency.of(resource)`` are added automatically.
        """
        return await self.invoke(
            await self._event(
                EventType.CREATE, resource_class, name, config, tags=tags, dependencies=dependencies
            )
        )

    async def invoke_update(
        self,
        resource_class: type[Resource[Any, Any]],
        name: str,
        config: Config | Mapping[str, Any],
        previous_config: Config | Mapping[str, Any],
        *,
        outputs: Outputs | Mapping[str, Any] | None = None,
        tags: list[str] | None = None,
        dependencies: Iterable[ResourceLike] | Mapping[str, ResourceLike] | None = None,
    ) -> LifecycleResult:
        """Send an ``UPDATE`` event and return its result.

        Args:
            resource_class: A type registered with the harness's provider.
            name: Name of the resource.
            config: The new config.
            previous_config: The config of the last success.
            outputs: The outputs of the last success.
            tags: Its tags.
            dependencies: As for ``invoke_create``.
        """
        event = await self._event(
            EventType.UPDATE,
            resource_class,
            name,
            config,
            previous_config=previous_config,
            outputs=outputs,
            tags=tags,
            dependencies=dependencies,
        )
        return await self.invoke(event)

    async def invoke_delete(
        self,
        resource_class: type[Resource[Any, Any]],
        name: str,
        config: Config | Mapping[str, Any],
        *,
        outputs: Outputs | Mapping[str, Any] | None = None,
        tags: list[str] | None = None,
        dependencies: Iterable[ResourceLike] | Mapping[str, ResourceLike] | None = None,
    ) -> LifecycleResult:
        """Send a ``DELETE`` event and return its result.

        Args:
            resource_class: A type registered with the harness's provider.
            name: Name of the resource.
            config: Its config.
            outputs: The outputs of the last success.
            tags: Its tags.
            dependencies: As for ``invoke_create``.
        """
        event = await self._event(
            EventType.DELETE,
            resource_class,
            name,
            config,
            outputs=outputs,
            tags=tags,
            dependencies=dependencies,
        )
        return await self.invoke(event)

    async def invoke(self, event: LifecycleEvent) -> LifecycleResult:
        """Send ``event`` as it is, record it and its result, and return the result."""
        self.events.append(event)
        result = await handle_event(self.provider, event, runtime=self.runtime)
        self.results.append(result)
        return result

    async def _event(
        self,
        event_type: EventType,
        resource_class: type[Resource[Any, Any]],
        name: str,
        config: Config | Mapping[str, Any],
        *,
        previous_config: Config | Mapping[str, Any] | None = None,
        outputs: Outputs | Mapping[str, Any] | None = None,
        tags: list[str] | None = None,
        dependencies: Iterable[ResourceLike] | Mapping[str, ResourceLike] | None = None,
    ) -> LifecycleEvent:
        registered = set(self.provider.resources.values())
        if resource_class not in registered:
            raise ValueError(
                f"{resource_class.__name__} is not a resource type of provider {self.provider.name!r}"
            )
        return LifecycleEvent(
            event_id=f"evt_{uuid.uuid4().hex}",
            event_type=event_type,
            provider=resource_class.provider,
            resource=resource_class.resource,
            name=name,
            config=_as_dict(config),
            previous_config=_as_dict(previous_config) if previous_config is not None else None,
            outputs=_as_dict(outputs) if outputs is not None else None,
            tags=tags,
            resolved_dependencies=await _documents(config, previous_config, dependencies),
            owner_references=[],
        )


def _as_dict(value: Config | Outputs | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, Config | Outputs):
        return value.model_dump(mode="json", by_alias=True)
    return dict(value)


async def _documents(
    config: Config | Mapping[str, Any],
    previous_config: Config | Mapping[str, Any] | None,
    dependencies: Iterable[ResourceLike] | Mapping[str, ResourceLike] | None,
) -> dict[str, dict[str, Any]]:
    given: list[ResourceLike] = []
    for candidate in (config, previous_config):
        for dependency in iter_dependencies(candidate):
            if dependency.is_resolved:
                given.append(await dependency.resolve())
    if isinstance(dependencies, Mapping):
        given.extend(dependencies.values())
    elif dependencies is not None:
        given.extend(dependencies)
    documents: dict[str, dict[str, Any]] = {}
    for item in given:
        if not isinstance(item, Resource | Mapping):
            raise TypeError(
                f"a dependency must be a Resource or a resource document, not {type(item).__name__}"
            )
        identifier, document = document_of(item)
        documents[identifier] = document
    return documents
