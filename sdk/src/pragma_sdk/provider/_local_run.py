"""Run one handler on a resource built from the test's own objects, as the public SDK's harness does.

``ProviderHarness()`` (no provider) uses it: the Config instance a test gives reaches the
handler as it is (a ``model_construct`` config holding mocks, dependencies whose
``_resolved`` the test set), and the result holds the handler's own objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pragma_sdk.models import LifecycleState, ResponseStatus
from pragma_sdk.provider._context import RuntimeContext
from pragma_sdk.provider._events import HandlerOutcome, LifecycleEvent, LifecycleResult
from pragma_sdk.provider._handling import describe_failure, run_handler
from pragma_sdk.provider._resolution import bind_dependencies
from pragma_sdk.resource import Config, Outputs, Resource, config_class_of


@dataclass
class HarnessResult(HandlerOutcome):
    """How a handler run by ``ProviderHarness()`` went, holding the handler's own objects.

    This is the public SDK's harness result: ``result.outputs`` is the Outputs instance the
    handler returned (``result.outputs.url``, ``result.outputs == MyOutputs(...)``) and
    ``result.error`` the exception it raised. ``report()`` gives the result as a worker would
    send it to the platform.

    Attributes:
        event_id: Id of the event the harness built.
        status: ``success`` or ``failure``.
        resource: The resource the handler ran on (``None`` when it could not be built).
        outputs: On a successful create or update, the Outputs the handler returned.
        error: On failure, the exception raised.
        permanent: On failure, whether the platform would fail the resource without retrying.
    """

    event_id: str
    status: ResponseStatus
    resource: Resource[Any, Any] | None = None
    outputs: Outputs | None = None
    error: Exception | None = None
    permanent: bool = False

    def report(self) -> LifecycleResult:
        """Return this result as the worker runtime reports it: JSON outputs, ``"Type: message"`` error."""
        if self.error is not None:
            error, permanent = describe_failure(self.error)
            return LifecycleResult(
                event_id=self.event_id, status=ResponseStatus.FAILURE, error=error, permanent=permanent
            )
        outputs = None if self.outputs is None else self.outputs.model_dump(mode="json", by_alias=True)
        return LifecycleResult(event_id=self.event_id, status=self.status, outputs=outputs)


async def run_locally(
    resource_class: type[Resource[Any, Any]],
    event: LifecycleEvent,
    *,
    config: Config | Mapping[str, Any],
    previous_config: Config | Mapping[str, Any] | None,
    outputs: Outputs | Mapping[str, Any] | None,
    documents: Mapping[str, Mapping[str, Any]],
    runtime: RuntimeContext | None,
) -> HarnessResult:
    """Build the resource from the given objects, run the handler ``event`` asks for, and say how it went.

    Config and Outputs instances are used as they are; dicts are validated into the classes of
    ``resource_class``. Dependencies not resolved yet are resolved from ``documents``.
    Failures, building the resource included, are results, never exceptions.
    """
    resource: Resource[Any, Any] | None = None
    try:
        resource = resource_class(
            name=event.name,
            config=config,
            outputs=outputs,
            tags=event.tags,
            lifecycle_state=LifecycleState.PROCESSING,
        )
        previous = _previous(resource_class, previous_config)
        bind_dependencies(resource.config, documents)
        bind_dependencies(previous, documents)
        produced = await run_handler(resource, event, previous_config=previous, runtime=runtime)
    except Exception as exc:
        _, permanent = describe_failure(exc)
        return HarnessResult(
            event_id=event.event_id,
            status=ResponseStatus.FAILURE,
            resource=resource,
            error=exc,
            permanent=permanent,
        )
    return HarnessResult(
        event_id=event.event_id, status=ResponseStatus.SUCCESS, resource=resource, outputs=produced
    )


def _previous(
    resource_class: type[Resource[Any, Any]], previous_config: Config | Mapping[str, Any] | None
) -> Config | None:
    if previous_config is None or isinstance(previous_config, Config):
        return previous_config
    config_class = config_class_of(resource_class) or Config
    return config_class.model_validate(dict(previous_config))
