"""``ProviderHarness``: run a provider's handlers locally, with no server.

It builds the ``LifecycleEvent``s the engine would send and serves subresources from
``InMemoryRuntime``, which treats them as ready at once. Without a provider (the public SDK's
form) it runs handlers on the test's own objects (``run_locally``); given a provider, it sends
the events through ``handle_event`` exactly as a worker would.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar, cast, overload

from pragma_sdk.models import EventType
from pragma_sdk.provider._events import LifecycleEvent, LifecycleResult
from pragma_sdk.provider._handling import handle_event
from pragma_sdk.provider._local_run import HarnessResult, run_locally
from pragma_sdk.provider._memory_runtime import InMemoryRuntime
from pragma_sdk.provider._registry import Provider
from pragma_sdk.provider._resolution import document_of, iter_dependencies
from pragma_sdk.resource import Config, Outputs, Resource

ResourceLike = Resource[Any, Any] | Mapping[str, Any]
"""A ready resource given to the harness: a ``Resource`` instance or a resource document."""

ResultT = TypeVar("ResultT", bound=HarnessResult | LifecycleResult)


class ProviderHarness(Generic[ResultT]):
    """Runs handlers locally, as the engine would, with no server.

    As in the public SDK, ``ProviderHarness()`` takes no provider: the Config given reaches the
    handler as it is (``model_construct`` configs holding mocks, dependencies whose
    ``_resolved`` was set) and each result is a ``HarnessResult`` holding the Outputs the
    handler returned, the exception it raised and the resource::

        harness = ProviderHarness()
        result = await harness.invoke_create(Database, name="db", config=DatabaseConfig(name="db"))
        assert result.success and result.outputs == DatabaseOutputs(url="postgres://db")

    ``ProviderHarness(provider)`` (our addition) checks that each class is a type of
    ``provider`` and sends the events through ``handle_event`` exactly as a worker does: the
    config travels as JSON and each result is the ``LifecycleResult`` the worker would report
    (outputs as a dict, error as ``"Type: message"``).

    Attributes:
        provider: The provider under test, or ``None``.
        events: Every event sent, in order.
        results: The result of each event, in order.
        runtime: The in-memory runtime serving subresources (see ``InMemoryRuntime``).
    """

    @overload
    def __init__(self: ProviderHarness[HarnessResult]) -> None: ...

    @overload
    def __init__(self: ProviderHarness[LifecycleResult], provider: Provider) -> None: ...

    def __init__(self, provider: Provider | None = None) -> None:
        """Create a harness, for ``provider`` when one is given."""
        self.provider = provider
        self.events: list[LifecycleEvent] = []
        self.results: list[ResultT] = []
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
    ) -> ResultT:
        """Run ``on_create`` through a ``CREATE`` event and return its result.

        Args:
            resource_class: The Resource class (with a provider: one of its types).
            name: Name of the resource.
            config: Its config, as a Config instance or a dict.
            tags: Its tags.
            dependencies: The ready resources its ``Dependency`` fields name, as ``Resource``
                instances or documents (a list, or a mapping whose keys are ignored). Dependencies
                already resolved (``Dependency.of(resource)``, or ``_resolved`` set) stay so.
        """
        return await self._invoke(
            EventType.CREATE, resource_class, name, config, tags=tags, dependencies=dependencies
        )

    async def invoke_update(
        self,
        resource_class: type[Resource[Any, Any]],
        name: str,
        config: Config | Mapping[str, Any],
        previous_config: Config | Mapping[str, Any],
        *,
        current_outputs: Outputs | Mapping[str, Any] | None = None,
        outputs: Outputs | Mapping[str, Any] | None = None,
        tags: list[str] | None = None,
        dependencies: Iterable[ResourceLike] | Mapping[str, ResourceLike] | None = None,
    ) -> ResultT:
        """Run ``on_update(previous_config)`` through an ``UPDATE`` event and return its result.

        Args:
            resource_class: As for ``invoke_create``.
            name: Name of the resource.
            config: The new config.
            previous_config: The config of the last success.
            current_outputs: The outputs of the last success (``self.outputs`` in the handler).
            outputs: Another name for ``current_outputs``, kept from earlier versions.
            tags: Its tags.
            dependencies: As for ``invoke_create``.

        Raises:
            TypeError: Both ``current_outputs`` and ``outputs`` were given.
        """
        return await self._invoke(
            EventType.UPDATE,
            resource_class,
            name,
            config,
            previous_config=previous_config,
            outputs=_either(current_outputs, outputs),
            tags=tags,
            dependencies=dependencies,
        )

    async def invoke_delete(
        self,
        resource_class: type[Resource[Any, Any]],
        name: str,
        config: Config | Mapping[str, Any],
        *,
        current_outputs: Outputs | Mapping[str, Any] | None = None,
        outputs: Outputs | Mapping[str, Any] | None = None,
        tags: list[str] | None = None,
        dependencies: Iterable[ResourceLike] | Mapping[str, ResourceLike] | None = None,
    ) -> ResultT:
        """Run ``on_delete`` through a ``DELETE`` event and return its result.

        Args:
            resource_class: As for ``invoke_create``.
            name: Name of the resource.
            config: Its config.
            current_outputs: The outputs of the last success.
            outputs: Another name for ``current_outputs``, kept from earlier versions.
            tags: Its tags.
            dependencies: As for ``invoke_create``.

        Raises:
            TypeError: Both ``current_outputs`` and ``outputs`` were given.
        """
        return await self._invoke(
            EventType.DELETE,
            resource_class,
            name,
            config,
            outputs=_either(current_outputs, outputs),
            tags=tags,
            dependencies=dependencies,
        )

    async def invoke(self, event: LifecycleEvent) -> LifecycleResult:
        """Send ``event`` as it is through the provider, record it and its result, and return the result.

        Raises:
            TypeError: The harness has no provider to send it to.
        """
        if self.provider is None:
            raise TypeError("invoke(event) needs a provider: create the harness as ProviderHarness(provider)")
        self.events.append(event)
        result = await handle_event(self.provider, event, runtime=self.runtime)
        self.results.append(cast("ResultT", result))
        return result

    async def _invoke(
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
    ) -> ResultT:
        if self.provider is not None and resource_class not in set(self.provider.resources.values()):
            raise ValueError(
                f"{resource_class.__name__} is not a resource type of provider {self.provider.name!r}"
            )
        documents = _documents(config, previous_config, dependencies)
        event = LifecycleEvent(
            event_id=f"evt_{uuid.uuid4().hex}",
            event_type=event_type,
            provider=getattr(resource_class, "provider", "local"),
            resource=getattr(resource_class, "resource", resource_class.__name__.lower()),
            name=name,
            config=_as_dict(config),
            previous_config=_as_dict(previous_config) if previous_config is not None else None,
            outputs=_as_dict(outputs) if outputs is not None else None,
            tags=tags,
            resolved_dependencies=documents,
            owner_references=[],
        )
        if self.provider is not None:
            return cast("ResultT", await self.invoke(event))
        self.events.append(event)
        result = await run_locally(
            resource_class,
            event,
            config=config,
            previous_config=previous_config,
            outputs=outputs,
            documents=documents,
            runtime=self.runtime,
        )
        self.results.append(cast("ResultT", result))
        return cast("ResultT", result)


def _either(
    current_outputs: Outputs | Mapping[str, Any] | None, outputs: Outputs | Mapping[str, Any] | None
) -> Outputs | Mapping[str, Any] | None:
    if current_outputs is not None and outputs is not None:
        raise TypeError("give the outputs of the last success as current_outputs or as outputs, not both")
    return current_outputs if current_outputs is not None else outputs


def _as_dict(value: Config | Outputs | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, Config | Outputs):
        try:
            return value.model_dump(mode="json", by_alias=True, warnings=False)
        except Exception:
            # A model_construct config holding mocks has no JSON form; the event keeps the values.
            return value.model_dump(by_alias=True, warnings=False)
    return dict(value)


def _documents(
    config: Config | Mapping[str, Any],
    previous_config: Config | Mapping[str, Any] | None,
    dependencies: Iterable[ResourceLike] | Mapping[str, ResourceLike] | None,
) -> dict[str, dict[str, Any]]:
    """The documents of the ready resources a test named or already resolved dependencies to.

    Resolutions that are not ``Resource`` instances (mocks) stay on their dependencies only.
    """
    documents: dict[str, dict[str, Any]] = {}
    for candidate in (config, previous_config):
        for dependency in iter_dependencies(candidate):
            resolved = dependency.resolved
            if isinstance(resolved, Resource):
                with contextlib.suppress(Exception):  # a resource holding mocks has no document
                    identifier, document = document_of(resolved)
                    documents[identifier] = document
    given = list(dependencies.values() if isinstance(dependencies, Mapping) else dependencies or [])
    for item in given:
        if not isinstance(item, Resource | Mapping):
            raise TypeError(
                f"a dependency must be a Resource or a resource document, not {type(item).__name__}"
            )
        identifier, document = document_of(item)
        documents[identifier] = document
    return documents
