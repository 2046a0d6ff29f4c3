"""``handle_event``: run one lifecycle event through a provider's handler and report the result.

The worker runtime and ``ProviderHarness`` both call it; it never raises for a handler's
failure (only ``asyncio.CancelledError`` and other ``BaseException``s pass through).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from pragma_sdk.models import EventType, LifecycleState, OwnerReference, ResponseStatus
from pragma_sdk.provider._context import HandlerScope, RuntimeContext, handler_scope
from pragma_sdk.provider._events import LifecycleEvent, LifecycleResult
from pragma_sdk.provider._resolution import (
    bind_dependencies,
    describe_validation_error,
)
from pragma_sdk.resource import Config, Outputs, Resource, overrides_on_delete

if TYPE_CHECKING:
    from pragma_sdk.provider._registry import Provider, ResourceRegistration


class _EventRejectedError(Exception):
    """The event cannot be handled as sent; retrying it cannot help."""


async def handle_event(
    provider: Provider, event: LifecycleEvent, *, runtime: RuntimeContext | None = None
) -> LifecycleResult:
    """Run the handler ``event`` asks for and return the result to report.

    Builds the resource from the event (config validated into the Config class, outputs of
    the last success, tags, owners, ``lifecycle_state`` ``processing``), resolves its
    ``Dependency`` fields from ``event.resolved_dependencies``, and runs ``on_create``,
    ``on_update(previous_config)`` or ``on_delete`` with ``runtime`` available to
    ``Resource.apply()`` and ``wait_ready()``. A type that does not override ``on_delete``
    has nothing to clean up: its ``DELETE`` succeeds.

    Failures are results, never exceptions. They are permanent (no retry) for an unknown
    type, an invalid config, invalid outputs, ``ValueError`` (pydantic validation errors
    included) and ``NotImplementedError`` (a missing handler); any other exception is
    retryable, with ``error`` set to ``"ExceptionType: message"``.

    Args:
        provider: The provider whose handler runs.
        event: The event.
        runtime: The runtime context for subresources; without one, ``apply()`` raises.

    Raises:
        asyncio.CancelledError: The task running the handler was cancelled.
    """
    try:
        outputs = await _run(provider, event, runtime)
    except _EventRejectedError as exc:
        return _failure(event, str(exc), permanent=True)
    except ValidationError as exc:
        return _failure(event, f"ValidationError: {describe_validation_error(exc)}", permanent=True)
    except (ValueError, NotImplementedError) as exc:
        return _failure(event, f"{type(exc).__name__}: {exc}", permanent=True)
    except Exception as exc:
        return _failure(event, f"{type(exc).__name__}: {exc}", permanent=False)
    return LifecycleResult(event_id=event.event_id, status=ResponseStatus.SUCCESS, outputs=outputs)


def _failure(event: LifecycleEvent, error: str, *, permanent: bool) -> LifecycleResult:
    return LifecycleResult(
        event_id=event.event_id, status=ResponseStatus.FAILURE, error=error, permanent=permanent
    )


async def _run(
    provider: Provider, event: LifecycleEvent, runtime: RuntimeContext | None
) -> dict[str, Any] | None:
    label = f"{event.provider}/{event.resource}"
    if event.provider != provider.name:
        raise _EventRejectedError(
            f"event {event.event_id} is for provider {event.provider!r}, not {provider.name!r}"
        )
    try:
        registration = provider.registration(event.resource)
    except LookupError as exc:
        raise _EventRejectedError(str(exc)) from None
    resource = _build_resource(registration, event)
    scope = HandlerScope(
        event=event,
        owner=OwnerReference(provider=event.provider, resource=event.resource, name=event.name),
        runtime=runtime,
    )
    with handler_scope(scope):
        if event.event_type is EventType.CREATE:
            return _dump_outputs(registration, await resource.on_create(), "on_create", label)
        if event.event_type is EventType.UPDATE:
            previous = _previous_config(registration, event, label)
            return _dump_outputs(registration, await resource.on_update(previous), "on_update", label)
        if overrides_on_delete(type(resource)):
            await resource.on_delete()
        return None


def _build_resource(registration: ResourceRegistration, event: LifecycleEvent) -> Resource[Any, Any]:
    label = f"{event.provider}/{event.resource}/{event.name}"
    try:
        config = registration.config_class.model_validate(event.config)
    except ValidationError as exc:
        raise _EventRejectedError(f"invalid config for {label}: {describe_validation_error(exc)}") from None
    bind_dependencies(config, event.resolved_dependencies)
    return registration.resource_class(
        name=event.name,
        config=config,
        outputs=_last_outputs(registration.outputs_class, event.outputs),
        tags=event.tags,
        lifecycle_state=LifecycleState.PROCESSING,
        owner_references=event.owner_references,
    )


def _last_outputs(outputs_class: type[Outputs], outputs: dict[str, Any] | None) -> Outputs | None:
    """The outputs of the last success, typed; kept as reported when the Outputs class changed since."""
    if outputs is None:
        return None
    try:
        return outputs_class.model_validate(outputs)
    except ValidationError:
        return outputs_class.model_construct(**outputs) if outputs else None


def _previous_config(registration: ResourceRegistration, event: LifecycleEvent, label: str) -> Config:
    if event.previous_config is None:
        raise _EventRejectedError(f"UPDATE event {event.event_id} for {label} carries no previous_config")
    try:
        previous = registration.config_class.model_validate(event.previous_config)
    except ValidationError:
        # The Config class may have changed since the last success; the handler still gets
        # the old values rather than a failure it cannot fix.
        previous = registration.config_class.model_construct(**event.previous_config)
    bind_dependencies(previous, event.resolved_dependencies)
    return previous


def _dump_outputs(
    registration: ResourceRegistration, value: object, handler: str, label: str
) -> dict[str, Any]:
    outputs_class = registration.outputs_class
    if isinstance(value, outputs_class):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, dict):
        try:
            return outputs_class.model_validate(value).model_dump(mode="json", by_alias=True)
        except ValidationError as exc:
            raise _EventRejectedError(
                f"{handler} of {label} returned invalid outputs: {describe_validation_error(exc)}"
            ) from None
    raise _EventRejectedError(
        f"{handler} of {label} returned {type(value).__name__}; expected {outputs_class.__name__} "
        "or a dict valid for it"
    )
