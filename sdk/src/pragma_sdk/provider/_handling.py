"""``handle_event``: run one lifecycle event through a provider's handler and report the result.

The worker runtime and ``ProviderHarness`` both call it; it never raises for a handler's
failure (only ``asyncio.CancelledError`` and other ``BaseException``s pass through).
"""

from __future__ import annotations

import traceback
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from pragma_sdk.log_format import log_fields
from pragma_sdk.models import EventType, LifecycleState, OwnerReference, ResponseStatus, resource_id
from pragma_sdk.provider._context import HandlerScope, RuntimeContext, handler_scope
from pragma_sdk.provider._events import LifecycleEvent, LifecycleResult, cap_traceback
from pragma_sdk.provider._resolution import (
    bind_dependencies,
    describe_validation_error,
)
from pragma_sdk.resource import Config, Outputs, Resource, outputs_class_of, overrides_on_delete

if TYPE_CHECKING:
    from pragma_sdk.provider._registry import Provider, ResourceRegistration


class EventRejectedError(Exception):
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
    retryable, with ``error`` set to ``"ExceptionType: message"`` and ``traceback`` to the
    formatted traceback of the exception the handler raised (from the handler's frame on).

    Args:
        provider: The provider whose handler runs.
        event: The event.
        runtime: The runtime context for subresources; without one, ``apply()`` raises.

    Raises:
        asyncio.CancelledError: The task running the handler was cancelled.
    """
    try:
        outputs = await _run(provider, event, runtime)
    except Exception as exc:
        error, permanent = describe_failure(exc)
        return LifecycleResult(
            event_id=event.event_id,
            status=ResponseStatus.FAILURE,
            error=error,
            permanent=permanent,
            traceback=format_traceback(exc),
        )
    return LifecycleResult(event_id=event.event_id, status=ResponseStatus.SUCCESS, outputs=outputs)


def describe_failure(exc: Exception) -> tuple[str, bool]:
    """Return ``(error text, permanent)`` for an exception raised while handling an event.

    Permanent: an event rejected as sent, ``ValueError`` (pydantic validation errors included)
    and ``NotImplementedError``; anything else may be retried.
    """
    if isinstance(exc, EventRejectedError):
        return str(exc), True
    if isinstance(exc, ValidationError):
        return f"ValidationError: {describe_validation_error(exc)}", True
    permanent = isinstance(exc, ValueError | NotImplementedError)
    return f"{type(exc).__name__}: {exc}", permanent


def format_traceback(exc: Exception) -> str | None:
    """The traceback of a handler's exception, as Python prints it, from the handler's frame on.

    ``None`` for an event this module rejected (the error says all). The frames of this module
    are left out, so the first frame shown is the provider's code; chained exceptions
    (``raise ... from``, exceptions raised while handling another) are kept.
    """
    if isinstance(exc, EventRejectedError):
        return None
    frames: TracebackType | None = exc.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename == __file__:
        frames = frames.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, frames or exc.__traceback__))
    return cap_traceback(text)


async def _run(
    provider: Provider, event: LifecycleEvent, runtime: RuntimeContext | None
) -> dict[str, Any] | None:
    if event.provider != provider.name:
        raise EventRejectedError(
            f"event {event.event_id} is for provider {event.provider!r}, not {provider.name!r}"
        )
    try:
        registration = provider.registration(event.resource)
    except LookupError as exc:
        raise EventRejectedError(str(exc)) from None
    resource = _build_resource(registration, event)
    previous = None
    if event.event_type is EventType.UPDATE:
        previous = _previous_config(registration, event, f"{event.provider}/{event.resource}")
    outputs = await run_handler(resource, event, previous_config=previous, runtime=runtime)
    return None if outputs is None else outputs.model_dump(mode="json", by_alias=True)


async def run_handler(
    resource: Resource[Any, Any],
    event: LifecycleEvent,
    *,
    previous_config: Config | None = None,
    runtime: RuntimeContext | None = None,
) -> Outputs | None:
    """Run the handler ``event`` asks for on ``resource``, built already, and return its outputs.

    The handler runs in the scope of ``event`` (``Resource.apply()`` and ``wait_ready()`` use
    ``runtime``). A dict returned by ``on_create``/``on_update`` is validated into the Outputs
    class; a type that does not override ``on_delete`` has nothing to clean up.

    Raises:
        EventRejectedError: The handler returned something that is not valid outputs, or an
            ``UPDATE`` came without ``previous_config``.
        Exception: Whatever the handler raised.
    """
    label = f"{event.provider}/{event.resource}"
    scope = HandlerScope(
        event=event,
        owner=OwnerReference(provider=event.provider, resource=event.resource, name=event.name),
        runtime=runtime,
    )
    outputs_class = outputs_class_of(type(resource))
    with handler_scope(scope), log_fields(**event_log_fields(event)):
        if event.event_type is EventType.CREATE:
            return _typed_outputs(outputs_class, await resource.on_create(), "on_create", label)
        if event.event_type is EventType.UPDATE:
            if previous_config is None:
                raise EventRejectedError(
                    f"UPDATE event {event.event_id} for {label} carries no previous_config"
                )
            updated = await resource.on_update(previous_config)
            return _typed_outputs(outputs_class, updated, "on_update", label)
        if overrides_on_delete(type(resource)):
            await resource.on_delete()
        return None


def event_log_fields(event: LifecycleEvent) -> dict[str, str | None]:
    """What every log line written while ``event`` is handled carries (``log_fields``)."""
    return {
        "resource_id": resource_id(event.provider, event.resource, event.name),
        "provider": event.provider,
        "event_id": event.event_id,
        "request_id": event.request_id,
    }


def _build_resource(registration: ResourceRegistration, event: LifecycleEvent) -> Resource[Any, Any]:
    label = f"{event.provider}/{event.resource}/{event.name}"
    try:
        config = registration.config_class.model_validate(event.config)
    except ValidationError as exc:
        raise EventRejectedError(f"invalid config for {label}: {describe_validation_error(exc)}") from None
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
        raise EventRejectedError(f"UPDATE event {event.event_id} for {label} carries no previous_config")
    try:
        previous = registration.config_class.model_validate(event.previous_config)
    except ValidationError:
        # The Config class may have changed since the last success; the handler still gets
        # the old values rather than a failure it cannot fix.
        previous = registration.config_class.model_construct(**event.previous_config)
    bind_dependencies(previous, event.resolved_dependencies)
    return previous


def _typed_outputs(outputs_class: type[Outputs] | None, value: object, handler: str, label: str) -> Outputs:
    expected = outputs_class or Outputs
    if isinstance(value, expected):
        return value
    if isinstance(value, dict) and outputs_class is not None:
        try:
            return outputs_class.model_validate(value)
        except ValidationError as exc:
            raise EventRejectedError(
                f"{handler} of {label} returned invalid outputs: {describe_validation_error(exc)}"
            ) from None
    raise EventRejectedError(
        f"{handler} of {label} returned {type(value).__name__}; expected {expected.__name__} "
        "or a dict valid for it"
    )
